"""The live stream (Server-Sent Events) tells an open page what changed since it was drawn."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.support.tenants import Tenant
from tests.support.web import sign_in, start_chat
from tixallo.web.routes import live
from tixallo.web.templating import LIVE_SINCE_MARGIN_MS

_SINCE = re.compile(r'data-live-since="(\d+)"')
_IDS = re.compile(r"^id: (\S+)$", re.MULTILINE)


@pytest.fixture(autouse=True)
def one_poll_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream that ends after its first read, so the test reads the whole response."""
    monkeypatch.setattr(live, "STREAM_SECONDS", 0.05)


async def streamed_ids(client: httpx.AsyncClient, since: int) -> list[str]:
    response = await client.get("/live", params={"since": since})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    return _IDS.findall(response.text)


async def chat_message_event_ids(client: httpx.AsyncClient, tenant: Tenant) -> list[str]:
    events = await client.get(
        "/api/v1/events", params={"types": "chat.message.created"}, headers=tenant.headers
    )
    assert events.status_code == 200, events.text
    return [event["id"] for event in events.json()["data"]]


async def test_an_event_between_render_and_stream_start_reaches_the_page(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    conversation_id = await start_chat(client, tenant, "first")
    await sign_in(client, tenant.created.user.email)
    page = await client.get(f"/chat/{conversation_id}")
    found = _SINCE.search(page.text)
    assert found, "page does not say when it was rendered"
    rendered = int(found.group(1))
    assert abs(rendered - (time.time() * 1000 - LIVE_SINCE_MARGIN_MS)) < 60_000

    # The visitor writes after the page was drawn but before its stream connects.
    sent = await client.post(
        f"/api/v1/chat/conversations/{conversation_id}/messages",
        json={"content": "are you there?", "sender_type": "visitor"},
        headers=tenant.headers,
    )
    assert sent.status_code == 201
    newest = (await chat_message_event_ids(client, tenant))[-1]

    assert newest in await streamed_ids(client, rendered)


async def test_events_older_than_the_page_are_not_sent_again(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await start_chat(client, tenant, "already on the page")
    await sign_in(client, tenant.created.user.email)
    drawn_after_everything = int(time.time() * 1000) + 1_000
    assert await streamed_ids(client, drawn_after_everything) == []


async def test_since_must_be_a_time(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await sign_in(client, tenant.created.user.email)
    assert (await client.get("/live", params={"since": "yesterday"})).status_code in {400, 422}
