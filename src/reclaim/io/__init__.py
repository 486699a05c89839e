"""File input and output at the edge: reading scenarios, samples, networks and reference data."""
