"""Test helpers that are real processes, shipped with the package so that tests and `bench/` share them."""
