"""Settings, errors, logging, clock and enqueue-by-name: the layer everything else may import."""
