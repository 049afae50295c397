"""Delivery: the hub, presence, its brokers, the socket transport, the collector, the /ws door,
and the caches that answer refreshes (pages, /state) from memory.

Above services/ (it calls them for client messages and presence) and below api/ and pages/;
the pure rules it delivers by are in server/realtime/."""
