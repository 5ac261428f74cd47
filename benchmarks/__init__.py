"""Benchmarks: a national-scale database and the time of every page on it (see bench_pages.py)."""
