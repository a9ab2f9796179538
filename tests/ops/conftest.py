"""The ops tests reuse the rate-limit tests' app factory."""

from tests.ratelimit.conftest import app_client

__all__ = ["app_client"]
