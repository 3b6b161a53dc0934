"""FastAPI routers of the reference server, one module per concern."""
