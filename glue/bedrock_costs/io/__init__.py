"""Storage, Spark sessions, the catalog, partition folders and the one AWS SDK module."""
