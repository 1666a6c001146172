"""Foundations every layer uses: errors people can act on, units, careful file I/O."""
