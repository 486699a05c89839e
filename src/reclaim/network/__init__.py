"""Pipe-network hydraulics on EPANET: a network built from a planning scenario or an .inp, the
peak-hour solve, worst-point, accident (N-1), pump-head, sizing and energy checks, 24 h
simulation, and scenario batches in one process or on Dask."""
