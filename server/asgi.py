"""The ASGI entry point for `glimpse serve` and any ASGI server: settings from the environment."""

from server.app import create_app

app = create_app()
