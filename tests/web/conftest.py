"""The agent app's HTTP tests sign in through the real form (helpers in tests/support/web)."""

from tests.support.web import PASSWORD, csrf_of, sign_in

__all__ = ["PASSWORD", "csrf_of", "sign_in"]
