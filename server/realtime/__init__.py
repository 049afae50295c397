"""Realtime: the event log, the hub that fans committed rows out, brokers, the WebSocket door."""
