"""The agent app's pages over HTTP: permissions, tenancy, escaping, ticket work, settings."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.tenants import Tenant, TenantFactory, post_ticket, ticket_body
from tests.support.web import add_agent, csrf_of, sign_in
from tixallo.db import Database

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
XSS_ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


SETTINGS_PAGES = [
    "/settings",
    "/settings/keys",
    "/settings/inboxes",
    "/settings/members",
    "/settings/workspace",
]


@pytest.mark.parametrize("path", SETTINGS_PAGES)
async def test_agent_gets_403_on_settings(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, path: str
) -> None:
    await sign_in(client, await add_agent(db, tenant))
    response = await client.get(path)
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "Settings are for workspace owners and admins" in response.text


async def test_agent_cannot_post_to_settings(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    csrf = await sign_in(client, await add_agent(db, tenant))
    home = await client.get("/")
    assert 'href="/settings"' not in home.text
    for path, data in (
        ("/settings/keys", {"name": "mine", "scopes": "*"}),
        ("/settings/workspace", {"name": "Taken over"}),
        ("/settings/members/invite", {"email": "x@example.com", "role": "owner"}),
    ):
        response = await client.post(path, data={"csrf": csrf, **data})
        assert response.status_code == 403, path


async def test_admin_reaches_settings(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    await sign_in(client, await add_agent(db, tenant, role="admin"))
    assert (await client.get("/settings/keys")).status_code == 200


async def test_other_workspace_resources_are_404(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    mine, theirs = await tenants(), await tenants()
    their_ticket = await post_ticket(client, theirs, customer={"email": "bo@other.com"})
    await sign_in(client, mine.created.user.email)
    csrf = csrf_of((await client.get("/")).text)
    their_customer = their_ticket["customer"]
    for path in (
        f"/tickets/{their_ticket['id']}",
        f"/tickets/{their_ticket['id']}/conversation",
        f"/customers/{their_customer['id']}",
        f"/companies/{their_customer['company']['id']}",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert their_ticket["subject"] not in response.text
    for path, data in (
        (f"/tickets/{their_ticket['id']}/messages", {"body": "hi", "kind": "reply"}),
        (f"/tickets/{their_ticket['id']}/update", {"status": "closed"}),
        (f"/tickets/{their_ticket['id']}/merge", {"target": "1"}),
        (f"/settings/inboxes/{theirs.created.inbox.id}/rename", {"name": "Mine now"}),
        (f"/settings/members/{theirs.created.owner.id}/remove", {}),
        ("/settings/keys/key_nope/revoke", {}),
    ):
        response = await client.post(path, data={"csrf": csrf, **data})
        assert response.status_code == 404, path
    # Assigning my ticket to their member is refused too.
    my_ticket = await post_ticket(client, mine)
    response = await client.post(
        f"/tickets/{my_ticket['id']}/update",
        data={"csrf": csrf, "assignee": theirs.created.owner.id},
    )
    assert response.status_code == 400
    untouched = await client.get(f"/api/v1/tickets/{their_ticket['id']}", headers=theirs.headers)
    assert untouched.json()["data"]["status"] == "open"


async def test_user_content_is_escaped_everywhere(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ticket = await post_ticket(
        client,
        tenant,
        subject=f"Subject {XSS}",
        body=f"Body {XSS}",
        customer={"email": "eve@evil-corp.com", "name": f"Eve {XSS}"},
        tags=["plain"],
    )
    await sign_in(client, tenant.created.user.email)
    csrf = csrf_of((await client.get("/")).text)
    await client.post(
        f"/tickets/{ticket['id']}/messages",
        data={"csrf": csrf, "body": f"Note {XSS}", "kind": "note"},
    )
    pages = [
        "/",
        f"/tickets/{ticket['id']}",
        f"/tickets/{ticket['id']}/conversation",
        "/customers",
        f"/customers/{ticket['customer']['id']}",
        "/companies",
        f"/companies/{ticket['customer']['company']['id']}",
        f"/?q={XSS}",
    ]
    for path in pages:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert "<script>alert" not in response.text, path
        assert "<img src=x" not in response.text, path
    page = (await client.get(f"/tickets/{ticket['id']}")).text
    assert f"Subject {XSS_ESCAPED}" in page
    assert f"Body {XSS_ESCAPED}" in page
    assert f"Note {XSS_ESCAPED}" in page
    assert f"Eve {XSS_ESCAPED}" in page
    assert "script-src 'self'" in (await client.get("/")).headers["content-security-policy"]


async def test_tags_with_markup_are_refused_or_escaped(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ticket = await post_ticket(client, tenant)
    await sign_in(client, tenant.created.user.email)
    csrf = csrf_of((await client.get("/")).text)
    response = await client.post(
        f"/tickets/{ticket['id']}/update", data={"csrf": csrf, "tags": '<b onmouseover="x">'}
    )
    assert response.status_code == 400
    assert "<b onmouseover" not in response.text
    assert "&lt;b onmouseover=&#34;x&#34;&gt;" in response.text  # the error names the tag


async def test_reply_note_status_assign_and_merge(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await post_ticket(client, tenant, subject="First")
    second = await post_ticket(client, tenant, subject="Second", body="Second body")
    await sign_in(client, tenant.created.user.email)
    csrf = csrf_of((await client.get("/")).text)
    tid = first["id"]
    reply = await client.post(
        f"/tickets/{tid}/messages",
        data={"csrf": csrf, "body": "We are on it", "kind": "reply", "status": "waiting"},
    )
    assert reply.status_code == 303
    note = await client.post(
        f"/tickets/{tid}/messages", data={"csrf": csrf, "body": "secret plan", "kind": "note"}
    )
    assert note.status_code == 303
    empty = await client.post(
        f"/tickets/{tid}/messages", data={"csrf": csrf, "body": "  ", "kind": "reply"}
    )
    assert empty.status_code == 400
    assert "body must not be empty" in empty.text
    update = await client.post(
        f"/tickets/{tid}/update",
        data={
            "csrf": csrf,
            "status": "in_progress",
            "priority": "urgent",
            "assignee": tenant.created.owner.id,
            "tags": "vip, billing",
        },
    )
    assert update.status_code == 303
    api_ticket = (await client.get(f"/api/v1/tickets/{tid}", headers=tenant.headers)).json()
    assert api_ticket["data"]["status"] == "in_progress"
    assert api_ticket["data"]["priority"] == "urgent"
    assert api_ticket["data"]["assignee_id"] == tenant.created.owner.id
    assert api_ticket["data"]["tags"] == ["vip", "billing"]
    public = (await client.get(f"/api/v1/tickets/{tid}/messages", headers=tenant.headers)).json()
    assert [m["body"] for m in public["data"]] == [
        first["subject"] and ticket_body()["body"],
        "We are on it",
    ]
    page = (await client.get(f"/tickets/{tid}")).text
    assert re.search(r'class="msg note".*secret plan', page, re.S)
    mine = (await client.get("/?view=mine")).text
    assert "First" in mine and "Second" not in mine
    unassigned = (await client.get("/?view=unassigned")).text
    assert "Second" in unassigned and ">First<" not in unassigned
    bad_merge = await client.post(
        f"/tickets/{second['id']}/merge", data={"csrf": csrf, "target": "999"}
    )
    assert bad_merge.status_code == 400
    merge = await client.post(
        f"/tickets/{second['id']}/merge", data={"csrf": csrf, "target": f"#{first['number']}"}
    )
    assert merge.status_code == 303
    assert merge.headers["location"] == f"/tickets/{tid}"
    assert "Second body" in (await client.get(f"/tickets/{tid}")).text
    resolved = (await client.get("/?view=resolved")).text
    assert "Second" in resolved


async def test_queue_filters_search_and_paging(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for i in range(55):
        await post_ticket(
            client,
            tenant,
            subject=f"Ticket {i:02d}",
            body="needle in the haystack" if i == 7 else "hay",
            priority="low" if i % 2 else "high",
            tags=["odd"] if i % 2 else ["even"],
        )
    await sign_in(client, tenant.created.user.email)
    first = (await client.get("/")).text
    assert first.count('data-href="/tickets/') == 50
    older = re.search(r'href="([^"]+)" rel="next"', first)
    assert older
    second = (await client.get(older.group(1).replace("&amp;", "&"))).text
    assert second.count('data-href="/tickets/') == 5
    assert "Ticket 00" in second and "Ticket 54" not in second
    found = (await client.get("/?q=NEEDLE")).text
    assert found.count('data-href="/tickets/') == 1 and "Ticket 07" in found
    assert (await client.get("/?q=100%25")).status_code == 200  # LIKE wildcards are literal
    assert (await client.get("/?q=100%25")).text.count('data-href="/tickets/') == 0
    high = (await client.get("/?priority=high&tag=even")).text
    assert high.count('data-href="/tickets/') == 28
    assert (await client.get("/?priority=extreme")).status_code == 400
    assert (await client.get("/?cursor=garbage")).status_code == 400


async def test_settings_keys_inboxes_members_workspace(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    csrf = await sign_in(client, tenant.created.user.email)
    created = await client.post(
        "/settings/keys",
        data={"csrf": csrf, "name": "Zapier", "scopes": ["tickets:read", "customers:read"]},
    )
    assert created.status_code == 200
    secret = re.search(r'id="secret-value">(th_[^<]+)<', created.text)
    assert secret
    assert created.headers["cache-control"] == "no-store"
    key_headers = {"Authorization": f"Bearer {secret.group(1)}"}
    assert (await client.get("/api/v1/tickets", headers=key_headers)).status_code == 200
    listing = (await client.get("/settings/keys")).text
    assert secret.group(1) not in listing
    no_scope = await client.post("/settings/keys", data={"csrf": csrf, "name": "x"})
    assert no_scope.status_code == 400 and "at least one scope" in no_scope.text
    key_id = re.findall(r'data-key="(key_[^"]+)"', listing)[0]
    rotated = await client.post(f"/settings/keys/{key_id}/rotate", data={"csrf": csrf})
    assert rotated.status_code == 200 and 'id="secret-value"' in rotated.text
    revoked = await client.post(f"/settings/keys/{key_id}/revoke", data={"csrf": csrf})
    assert revoked.status_code == 303
    assert (await client.get("/api/v1/tickets", headers=key_headers)).status_code == 401

    made = await client.post("/settings/inboxes", data={"csrf": csrf, "name": "Billing"})
    assert made.status_code == 303
    page = (await client.get("/settings/inboxes")).text
    billing_id = re.search(r"/settings/inboxes/(inb_[^/]+)/default", page)
    assert billing_id
    await client.post(f"/settings/inboxes/{billing_id.group(1)}/default", data={"csrf": csrf})
    await client.post(
        f"/settings/inboxes/{billing_id.group(1)}/rename", data={"csrf": csrf, "name": "Money"}
    )
    inboxes = (await client.get("/api/v1/inboxes", headers=tenant.headers)).json()["data"]
    default = next(i for i in inboxes if i["is_default"])
    assert default["name"] == "Money"
    blank = await client.post("/settings/inboxes", data={"csrf": csrf, "name": " "})
    assert blank.status_code == 400

    renamed = await client.post("/settings/workspace", data={"csrf": csrf, "name": "New name"})
    assert renamed.status_code == 303
    assert "New name" in (await client.get("/settings/workspace")).text

    last_owner = await client.post(
        f"/settings/members/{tenant.created.owner.id}/role", data={"csrf": csrf, "role": "agent"}
    )
    assert last_owner.status_code == 400 and "last owner" in last_owner.text


async def test_invite_link_works_once(client: httpx.AsyncClient, tenant: Tenant) -> None:
    csrf = await sign_in(client, tenant.created.user.email)
    invited = await client.post(
        "/settings/members/invite",
        data={"csrf": csrf, "email": "newbie@example.com", "role": "agent"},
    )
    link = re.search(r'id="invite-link">([^<]+)<', invited.text)
    assert link
    path = "/" + link.group(1).split("/", 3)[3]
    async with httpx.AsyncClient(
        transport=client._transport, base_url="http://tixallo.test"
    ) as guest:
        form = await guest.get(path)
        assert form.status_code == 200 and "Join" in form.text
        weak = await guest.post(
            path, data={"csrf": csrf_of(form.text), "name": "Newbie", "password": "short"}
        )
        assert weak.status_code == 400
        joined = await guest.post(
            path, data={"csrf": csrf_of(form.text), "name": "Newbie", "password": "long enough"}
        )
        assert joined.status_code == 303
        assert (await guest.get("/")).status_code == 200
        assert (await guest.get("/settings/keys")).status_code == 403  # joined as agent
        assert (await guest.get(path)).status_code == 404  # used up
    members = (await client.get("/settings/members")).text
    assert "newbie@example.com" in members
    member_id = re.search(
        r'/settings/members/(mem_[^/]+)/remove"[^<]*<input[^>]*>\s*'
        r'<button[^>]*data-confirm="Remove Newbie',
        members,
    )
    assert member_id
    removed = await client.post(
        f"/settings/members/{member_id.group(1)}/remove", data={"csrf": csrf}
    )
    assert removed.status_code == 303
    async with httpx.AsyncClient(
        transport=client._transport, base_url="http://tixallo.test"
    ) as guest:
        page = await guest.get("/signin")
        again = await guest.post(
            "/signin",
            data={
                "csrf": csrf_of(page.text),
                "email": "newbie@example.com",
                "password": "long enough",
            },
        )
        assert again.status_code == 400  # no workspace any more


async def test_dashboard_shows_figures(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ticket = await post_ticket(client, tenant)
    await post_ticket(client, tenant, priority="urgent")
    await sign_in(client, tenant.created.user.email)
    csrf = csrf_of((await client.get("/")).text)
    await client.post(
        f"/tickets/{ticket['id']}/messages", data={"csrf": csrf, "body": "hi", "kind": "reply"}
    )
    await client.post(f"/tickets/{ticket['id']}/update", data={"csrf": csrf, "status": "resolved"})
    page = await client.get("/dashboard")
    assert page.status_code == 200
    assert re.search(r'<div class="value">2</div><div class="name">tickets created', page.text)
    assert re.search(r'<div class="value">1</div><div class="name">tickets resolved', page.text)
    assert "< 1 min" in page.text.replace("&lt;", "<")
    assert "<svg" in page.text and "2 created, 1 resolved" in page.text


async def test_api_paths_keep_json_errors(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"
    page = await client.get("/no-such-page")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
