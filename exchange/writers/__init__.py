"""Documents the product writes for others: CRS files (sending authorities, the demo, benchmarks)."""
