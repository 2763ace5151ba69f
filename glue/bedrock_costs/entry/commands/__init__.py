"""One module per sub-command: `register` adds its parser and handler; Spark is imported only
inside the handlers that need it, so `--help` and input errors stay fast."""
