"""The table contract: schemas, allowed values, identifier shapes and errors."""
