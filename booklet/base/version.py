"""The version, in one place: the package, the wheel (hatch reads it here) and PDFs name it."""

__version__ = "0.1.0"
