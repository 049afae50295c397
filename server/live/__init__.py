"""Delivery: the hub, its brokers, the socket transport, the collector and the /ws door.

Above services/ (it calls them for client messages and presence) and below routes/; the pure
rules it delivers by are in server/realtime/."""
