"""The performance harness: ``python tests/perf/run.py`` (see the README)."""
