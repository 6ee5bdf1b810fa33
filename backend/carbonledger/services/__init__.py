"""Application services: the use cases the API and the CLI call (claims, members, audits)."""
