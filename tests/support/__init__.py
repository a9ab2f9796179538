"""Test support: the one home of every helper tests share. Tests and conftest.py files import
from here; nothing imports from a ``conftest`` or a ``test_*`` module, conftest.py files hold
only fixtures and hooks, and no name defined here is defined again elsewhere under tests/
(tests/structure/test_test_support.py checks all three).

Layout, one purpose per module:

- ``server``: real processes. ``free_port``, ``clean_env``, ``wait_until_healthy`` (the one
  health loop), ``Process`` (start, kill, terminate, log), ``serve(env, log_path, ...)`` for
  `tixallo serve` (workers, port, ``--demo``, another program or folder are parameters),
  ``worker(...)``, and ``running(process)``, which always stops it (SIGTERM, then SIGKILL).
- ``live``: ``live_server`` / ``LiveServer``, a served SQLite file with a workspace and a key
  made through the CLI (the docs and client tests).
- ``cli``: ``run_tixallo(env, *args)``, ``tixallo(database_url, *args)``, ``last_line``.
- ``browser``: Debian's Chromium for Playwright (``CHROMIUM``, ``require_chromium``).
- ``receiver``: the webhook receiver (``Receiver``, ``Received``, ``Reply``) and the async
  ``wait_until``; the ``receiver`` and ``make_receiver`` fixtures are in tests/conftest.py.
- ``webhooks``: ``running_worker``, ``create_webhook``, ``create_ticket``, ``FAST_RETRIES``.
- ``tenants``: the factories ``Tenant``, ``TenantFactory``, ``ticket_body``, ``post_ticket``.
- ``databases``: ``BACKENDS``, ``POSTGRES_URL``, ``truncate_all``.
- ``web``: the agent app: ``PASSWORD``, ``sign_in``, ``csrf_of``, ``add_agent``,
  ``start_chat``.
- ``ratelimit``: ``ClientFactory`` (the ``app_client`` fixture's type), ``make_key``,
  ``bearer``, ``REDIS_URL``.
- ``reliability``: the fault battery: ``Processes``, ``base_env``, ``scale``, ``Row``,
  ``record_row``, ``post``, ``get_json``.
- ``hostile``: hostile parameter values and ``PRIVATE_URLS`` (webhook URLs that must be
  refused); ``b64``.
- ``resources`` and ``routes``: one workspace's worth of everything, and the API route table
  the isolation matrices walk (``api_routes``, ``Resources``, ``api_resources``).
- ``external``: ``assert_error``, ``parse_time`` for the TacoHelp-compatible API.
- ``shapes``: ``shape_errors``, an answer against a documented example.
- ``fuzz``: ``FuzzTarget``, ``load_schema`` for the schemathesis tests.

A new helper goes into the module of its purpose (or a new one, listed here); a new test
file imports it from here, never from a sibling test or a conftest.
"""
