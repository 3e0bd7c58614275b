"""Schemathesis hooks for the fuzzing run (loaded through SCHEMATHESIS_HOOKS)."""
