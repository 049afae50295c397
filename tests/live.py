"""A real uvicorn serving the app on a free loopback port (filled in by the browser work)."""
