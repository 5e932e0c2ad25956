"""The HTTP service and its web page (``genocr serve``; FastAPI, in the ``serve`` extra)."""
