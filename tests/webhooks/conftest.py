"""The webhook tests' settings: private receivers allowed, fast retries, short timeouts.
(The receiver, the worker and the API helpers are in tests/support.)"""

from __future__ import annotations

import pytest

from tests.support.webhooks import FAST_RETRIES
from tixallo.config import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        webhook_allow_private=True,
        webhook_retry_delays=FAST_RETRIES,
        webhook_timeout_seconds=2.0,
    )
