"""Settings: the only module that reads the environment (prefix ``TIXALLO_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var") / "tixallo.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIXALLO_", extra="ignore")

    database_url: str = ""
    redis_url: str = ""
    # "100/60" reads as 100 requests per 60-second moving window, as both API documents promise.
    rate_limit: str = "100/60"
    # Failed authentications allowed per client address per moving window, "COUNT/SECONDS".
    failed_auth_rate_limit: str = "20/60"
    max_body_bytes: int = 1024 * 1024
    # `tixallo serve`'s limits on slow or oversized requests (see http_server.py and
    # docs/operations.md): a request's headers must arrive within this many seconds...
    http_header_timeout_seconds: float = Field(default=10.0, gt=0)
    # ...and its whole body within this many seconds after them.
    http_body_timeout_seconds: float = Field(default=30.0, gt=0)
    # The request line and headers together, in bytes; larger is a 431.
    http_max_header_bytes: int = Field(default=32 * 1024, ge=1024)
    # Connections (and running requests) per server process; beyond it uvicorn answers 503.
    http_max_connections: int = Field(default=1000, ge=1)
    idempotency_ttl_seconds: int = 24 * 3600
    key_rotation_grace_seconds: int = 24 * 3600
    # An API key lookup is cached in process this long; revocation in another process is
    # seen at most this late (revocation in the same process is immediate).
    key_cache_seconds: float = 5.0
    # NoDecode: the environment gives "2,8,32" (split below), not JSON.
    webhook_retry_delays: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [2.0, 8.0, 32.0]
    )
    webhook_breaker_threshold: int = 10
    webhook_timeout_seconds: float = 10.0
    webhook_allow_private: bool = False
    # Run the webhook worker inside each server process; unset means on for the embedded
    # SQLite default, off on PostgreSQL (run `tixallo worker` processes there).
    run_worker_in_process: bool | None = None
    signup: bool = True
    # Events (and feed cursors) older than this are gone; an older cursor answers 410.
    event_retention_days: int = 30
    secret_key: str = ""
    # Where people reach this Tixallo ("https://help.example.com"): links handed out (invites)
    # are built from it. Unset, they are built from the request, whose Host a client or a
    # misconfigured proxy chooses; set it in production.
    public_url: str = ""
    log_format: str = "auto"
    # Benchmarks only (bench/): mount GET /bench/ceiling, a constant ticket-sized JSON with no
    # database and no auth, the throughput ceiling every endpoint is compared with. Off by default.
    bench_ceiling: bool = False

    @field_validator("webhook_retry_delays", mode="before")
    @classmethod
    def _split_delays(cls, value: object) -> object:
        if isinstance(value, str):
            return [float(part) for part in value.split(",") if part.strip()]
        return value

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under ./var/ when none is set."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
