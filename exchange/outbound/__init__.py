"""Outbound files (issue 17, part 2): what domestic institutions submitted about the partners' residents,
split by receiving jurisdiction and cut into one message per partner, reporting period and mode (new
data, or corrections and deletions), with our own MessageRefIds and DocRefIds.
"""
