"""Data-quality gates: great_expectations checks on staged tables, policies, results."""
