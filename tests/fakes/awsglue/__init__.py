"""A stand-in for the AWS Glue runtime's Python package: records what the job calls."""

CALLS: list[tuple] = []
