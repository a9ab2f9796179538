"""The chat console over HTTP: list, reply as the signed-in agent, end, turn into a ticket."""

from __future__ import annotations

import httpx

from tests.support.tenants import Tenant, TenantFactory
from tests.support.web import CHAT_XSS, csrf_of, sign_in, start_chat

XSS = CHAT_XSS


async def test_agent_replies_ends_and_makes_a_ticket(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    conversation_id = await start_chat(client, tenant, f"My order is late {XSS}")
    await sign_in(client, tenant.created.user.email)
    console = await client.get("/chat")
    assert console.status_code == 200
    assert f"/chat/{conversation_id}" in console.text
    assert "<script>alert(1)</script>" not in console.text
    page = await client.get(f"/chat/{conversation_id}")
    assert "My order is late &lt;script&gt;" in page.text
    csrf = csrf_of(page.text)
    reply = await client.post(
        f"/chat/{conversation_id}/messages", data={"csrf": csrf, "content": "Checking now"}
    )
    assert reply.status_code == 303
    messages = await client.get(
        f"/api/v1/chat/conversations/{conversation_id}/messages", headers=tenant.headers
    )
    last = messages.json()["data"][-1]
    assert last["content"] == "Checking now"
    assert last["sender_type"] == "agent"
    assert last["sender_id"] == tenant.created.owner.id
    empty = await client.post(
        f"/chat/{conversation_id}/messages", data={"csrf": csrf, "content": " "}
    )
    assert empty.status_code == 400
    ended = await client.post(f"/chat/{conversation_id}/end", data={"csrf": csrf})
    assert ended.status_code == 303
    late = await client.post(
        f"/chat/{conversation_id}/messages", data={"csrf": csrf, "content": "still there?"}
    )
    assert late.status_code == 400
    ticket = await client.post(f"/chat/{conversation_id}/ticket", data={"csrf": csrf})
    assert ticket.status_code == 303
    ticket_page = await client.get(ticket.headers["location"])
    assert "My order is late" in ticket_page.text and "Checking now" in ticket_page.text
    again = await client.post(f"/chat/{conversation_id}/ticket", data={"csrf": csrf})
    assert again.status_code == 400


async def test_other_workspace_chat_is_404(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    mine, theirs = await tenants(), await tenants()
    conversation_id = await start_chat(client, theirs, "private")
    csrf = await sign_in(client, mine.created.user.email)
    assert (await client.get(f"/chat/{conversation_id}")).status_code == 404
    assert (await client.get(f"/chat/{conversation_id}/transcript")).status_code == 404
    for action, data in (("messages", {"content": "hi"}), ("end", {}), ("ticket", {})):
        response = await client.post(
            f"/chat/{conversation_id}/{action}", data={"csrf": csrf, **data}
        )
        assert response.status_code == 404, action
    assert "private" not in (await client.get("/chat")).text
