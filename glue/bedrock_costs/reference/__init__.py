"""Reference files: price tables, per-unit prices, profiles, model names, AWS Price List offers."""
