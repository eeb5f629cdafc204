"""Test doubles shared by the test layers."""
