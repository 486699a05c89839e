"""The HTTP service of reclaim: FastAPI routers over the store, with token authentication."""
