"""smpgen's version, printed on every document it writes."""

__version__ = "0.1.0"
