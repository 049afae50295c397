"""The ASGI entry point for `glimpse serve` and any ASGI server: settings from the environment."""

import gc

from server.app import create_app

app = create_app()

# What importing built (modules, models, routes) lives as long as the process: freezing it keeps
# the collector from walking it again on every full collection, pauses that every socket feels.
gc.collect()
gc.freeze()
