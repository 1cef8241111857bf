"""Taskward benchmark harness: Taskward vs the FastAPI peer, driven by wrk."""
