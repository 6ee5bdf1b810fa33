"""The HTTP API (FastAPI): thin routers over services, one router per resource."""
