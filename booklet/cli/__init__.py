"""The `booklet` command: a thin shell over the library."""
