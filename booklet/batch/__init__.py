"""Many cards and booklets from one file, in parallel, resumable."""
