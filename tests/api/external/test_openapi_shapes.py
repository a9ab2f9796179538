"""Every /api/external response matches the models its OpenAPI document shows (no field
missing, none undocumented), and the document lists the documented error matrix."""

from __future__ import annotations

import httpx
import pytest

from tests.support.response_models import conforms
from tests.support.tenants import Tenant
from tixallo.api.external import responses
from tixallo.db import Database
from tixallo.tickets import service as tickets


async def test_ticket_responses_match_the_document(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    h = tenant.headers
    created = conforms(
        await client.post(
            "/api/external/tickets",
            json={"subject": "S", "description": "D", "createdByEmail": "c@example.com"},
            headers=h,
        ),
        201,
        responses.Ticket,
    )
    path = f"/api/external/tickets/{created['id']}"
    conforms(
        await client.post(f"{path}/comments", json={"content": "c"}, headers=h),
        201,
        responses.Comment,
    )
    assigned = conforms(
        await client.patch(path, json={"assigneeId": tenant.created.owner.id}, headers=h),
        200,
        responses.Ticket,
    )
    assert assigned["assignee"] is not None
    async with db.transaction() as session:
        await tickets.add_message(
            session,
            tenant.ctx,
            created["id"],
            body="note",
            internal=True,
            author_member_id=tenant.created.owner.id,
        )
    detail = conforms(await client.get(path, headers=h), 200, responses.TicketDetail)
    assert len(detail["comments"]) == 1
    listed = conforms(
        await client.get("/api/external/tickets", headers=h), 200, responses.TicketList
    )
    assert listed["total"] == 1


async def test_chat_responses_match_the_document(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.headers
    base = "/api/external/chat/conversations"
    started = conforms(
        await client.post(base, json={"visitorEmail": "v@example.com"}, headers=h),
        201,
        responses.Conversation,
    )
    path = f"{base}/{started['id']}"
    for sender in ("visitor", "agent"):
        conforms(
            await client.post(
                f"{path}/messages", json={"content": "x", "senderType": sender}, headers=h
            ),
            201,
            responses.ChatMessage,
        )
    detail = conforms(await client.get(path, headers=h), 200, responses.ConversationDetail)
    assert [("senderId" in m) for m in detail["messages"]] == [False, True]
    conforms(await client.get(base, headers=h), 200, responses.ConversationList)
    conforms(
        await client.patch(path, json={"status": "ended"}, headers=h),
        200,
        responses.Conversation,
    )
    conforms(
        await client.post(
            f"{path}/messages", json={"content": "x", "senderType": "visitor"}, headers=h
        ),
        409,
        responses.ErrorBody,
    )


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/external/tickets?limit=0", 400),
        ("GET", "/api/external/tickets/nope", 404),
        ("POST", "/api/external/tickets", 400),
        ("GET", "/api/external/chat/conversations/nope", 404),
    ],
)
async def test_error_responses_match_the_document(
    client: httpx.AsyncClient, tenant: Tenant, method: str, path: str, status: int
) -> None:
    body = {} if method == "POST" else None
    response = await client.request(method, path, json=body, headers=tenant.headers)
    conforms(response, status, responses.ErrorBody)


async def test_the_document_lists_the_error_matrix(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/external/openapi.json")).json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "429", "500"} <= codes, (method, path)
            assert "422" not in codes
    messages = spec["paths"]["/chat/conversations/{conversationId}/messages"]["post"]
    assert "409" in messages["responses"]
