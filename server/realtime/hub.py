"""The hub: receives committed event-log rows and fans them out to this process's sockets."""

from __future__ import annotations

from server.models.events import EventLog


class Hub:
    """Placeholder until the realtime core lands: remembers nothing, delivers to no one."""

    def publish(self, rows: list[EventLog]) -> None:
        return None

    async def broker_check(self) -> str:
        return "ok"
