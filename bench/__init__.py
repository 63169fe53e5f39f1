"""Benchmarks: the resident journey against the fake Bot API, with a bare-PTB baseline."""
