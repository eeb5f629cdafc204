"""Scan-result tones (WAV) for the scan station, written by scripts/make_sounds.py."""
