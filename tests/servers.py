"""Real PostgreSQL and Redis servers for the tests (filled in by the servers work)."""
