"""exchange: automated tax-information exchange processor."""

__version__ = "0.1.0"
