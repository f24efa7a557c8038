"""Domestic submissions: what the home country's own institutions report to us (issue 17, part 1).

An institution's file arrives on `exchange.submissions` (or through `exchange submit FILE`), is validated
with the same schema and rules as a partner's file plus the domestic ones (`rules`), stored in the same
store history marked `submitted`, and answered with a signed status message on
`exchange.submissions.answers`, keyed by the institution.
"""
