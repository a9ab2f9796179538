"""The verification code printed in docs/webhooks.md works on real deliveries."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
from asyncio.subprocess import PIPE
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.support.receiver import Received, Receiver, wait_until
from tests.support.tenants import Tenant
from tests.support.webhooks import create_ticket, create_webhook, running_worker
from tixallo.config import Settings
from tixallo.db import Database

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def _snippet(marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\n```\w+\n(.*?)```", DOC.read_text(), re.S)
    assert match, f"no {marker} block in {DOC}"
    return match.group(1)


async def _delivery(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> tuple[str, Received]:
    hook = await create_webhook(client, tenant, receiver.url(), ["ticket.created"])
    await create_ticket(client, tenant)
    async with running_worker(db, settings):
        await wait_until(lambda: len(receiver.requests) == 1)
    return str(hook["secret"]), receiver.requests[0]


def _tacohelp_cases(secret: str, got: Received) -> list[tuple[str, dict[str, str], bytes, bool]]:
    other = "whsec_" + "A" * 43 + "="
    return [
        (secret, got.headers, got.body, True),
        (secret, got.headers, got.body.replace(b"Login", b"Logout"), False),
        (other, got.headers, got.body, False),
        # The Standard Webhooks value is not what this receiver checks.
        (
            secret,
            {**got.headers, "x-webhook-signature": got.headers["webhook-signature"]},
            got.body,
            False,
        ),
        (
            secret,
            {k: v for k, v in got.headers.items() if k != "x-webhook-signature"},
            got.body,
            False,
        ),
    ]


async def _run_node(
    snippet: str, function: str, cases: list[tuple[str, dict[str, str], bytes, bool]]
) -> list[bool]:
    harness = (
        snippet
        + f"""
const cases = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
console.log(JSON.stringify(cases.map((c) =>
  {function}(c.secret, c.headers, Buffer.from(c.body, "base64")))));
"""
    )
    encoded = [
        {"secret": k, "headers": h, "body": base64.b64encode(b).decode()} for k, h, b, _ in cases
    ]
    node = shutil.which("node")
    assert node is not None
    process = await asyncio.create_subprocess_exec(
        node, "-e", harness, stdin=PIPE, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(json.dumps(encoded).encode()), 30)
    assert process.returncode == 0, err.decode()
    return list(json.loads(out))


def _cases(secret: str, got: Received) -> list[tuple[str, dict[str, str], bytes, bool]]:
    other = "whsec_" + "A" * 43 + "="
    return [
        (secret, got.headers, got.body, True),
        (secret, got.headers, got.body.replace(b"Login", b"Logout"), False),
        (other, got.headers, got.body, False),
        (secret, {**got.headers, "webhook-timestamp": "1000000000"}, got.body, False),
    ]


async def test_python_snippet_verifies_a_real_delivery(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    secret, got = await _delivery(client, tenant, db, settings, receiver)
    namespace: dict[str, Any] = {}
    exec(compile(_snippet("verify-python"), str(DOC), "exec"), namespace)
    verify = namespace["verify_webhook"]
    for key, headers, body, expected in _cases(secret, got):
        assert verify(key, headers, body) is expected


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
async def test_node_snippet_verifies_a_real_delivery(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    secret, got = await _delivery(client, tenant, db, settings, receiver)
    cases = _cases(secret, got)
    verdicts = await _run_node(_snippet("verify-node"), "verifyWebhook", cases)
    assert verdicts == [expected for *_, expected in cases]


async def test_tacohelp_style_snippets_verify_the_same_real_delivery(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    """One delivery verifies with the standardwebhooks library and with a receiver written
    from the TacoHelp document (hex HMAC of the body), in Python and in Node."""
    secret, got = await _delivery(client, tenant, db, settings, receiver)
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "ticket.created"
    namespace: dict[str, Any] = {}
    exec(compile(_snippet("verify-tacohelp-python"), str(DOC), "exec"), namespace)
    verify = namespace["verify_tacohelp_signature"]
    cases = _tacohelp_cases(secret, got)
    assert [verify(k, h, b) for k, h, b, _ in cases] == [expected for *_, expected in cases]
    if shutil.which("node") is not None or os.environ.get("CI"):
        verdicts = await _run_node(
            _snippet("verify-tacohelp-node"), "verifyTacohelpSignature", cases
        )
        assert verdicts == [expected for *_, expected in cases]
