"""booklet in the browser: a local page over the same library the command line uses."""
