"""ClotCheck: blood-clot screening before massage."""
