"""Configuration: every setting is a GLIMPSE_* environment variable."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read once at start-up; tests build their own instances."""

    model_config = SettingsConfigDict(env_prefix="GLIMPSE_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str = ""
    broker_url: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    timezone: str = "Europe/London"
    max_upload_bytes: int = 8 * 1024 * 1024
    max_body_bytes: int = 1024 * 1024
    session_days: int = 14
    cookie_secure: bool = False
    # Limits for a crowd, not for a person: the defaults let a 200-person room behind one venue
    # NAT join within a minute and post a few cards and votes each. 0 turns a limit off.
    trusted_proxies: str = ""
    join_limit: int = 300
    join_window_seconds: int = 60
    max_attendees_per_event: int = 2000
    write_limit: int = 2400
    write_window_seconds: int = 60
    login_attempts: int = 10
    login_address_attempts: int = 30
    login_email_attempts: int = 100
    login_window_seconds: int = 300
    ws_send_queue: int = 500
    ws_poll_seconds: float = 5.0
    page_cache_bytes: int = 32 * 1024 * 1024

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'glimpse.db'}"

    @cached_property
    def effective_secret_key(self) -> str:
        """The configured key, or one generated on first use and kept in the data folder."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key
