"""booklet: print-ready back-massage routine cards and gift booklets."""

__version__ = "0.1.0"
