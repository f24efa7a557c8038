"""Synthetic Benelux data: a Belgian registry and the foreign reports about it, with ground truth."""
