"""Benchmarks: run by hand, report ratios against a baseline measured in the same run."""
