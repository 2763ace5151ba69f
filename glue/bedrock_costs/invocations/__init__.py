"""From log lines to priced calls: log files, records, model ids, principals, costs, tags."""
