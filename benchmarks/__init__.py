"""Benchmark harnesses run by scripts/bench*.py (not part of the installed package)."""
