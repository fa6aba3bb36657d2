"""Hidden checks, one module per exercise; each registers itself with @check."""
