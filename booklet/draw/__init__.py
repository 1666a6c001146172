"""Pictures and card pieces: back diagrams, gauges, step rows, warning boxes."""
