"""Entry points: the command line and the Glue adapter."""
