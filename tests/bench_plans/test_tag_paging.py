"""Paging by tag walks the tag's own keyset index (ticket_tags.created_at): the pages must be
exactly the newest-first list filtered by that tag, across retagging, with no repeat or gap."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.tenants import Tenant, ticket_body


async def _walk(client: httpx.AsyncClient, tenant: Tenant, query: str) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(50):
        url = f"/api/v1/tickets?{query}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        response = await client.get(url, headers=tenant.headers)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        seen += [t["id"] for t in page["data"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            assert cursor is None
            return seen
    raise AssertionError("paging did not end")


async def test_tag_pages_are_the_filtered_list_in_order(
    client: httpx.AsyncClient, tenant: Tenant, tenants: Any
) -> None:
    created = []
    for n in range(9):
        tags = ["billing"] if n % 3 else ["other"]
        response = await client.post(
            "/api/v1/tickets",
            json=ticket_body(subject=f"T{n}", tags=tags + ["x"] * (n == 4)),
            headers=tenant.headers,
        )
        assert response.status_code == 201, response.text
        created.append(response.json()["data"])
    # Retag: the oldest "other" ticket gains billing, a billing one loses it.
    first_other, first_billing = created[0]["id"], created[1]["id"]
    for ticket_id, tags in ((first_other, ["billing", "other"]), (first_billing, ["other"])):
        response = await client.patch(
            f"/api/v1/tickets/{ticket_id}", json={"tags": tags}, headers=tenant.headers
        )
        assert response.status_code == 200, response.text
    # Another workspace's billing tickets never show.
    other = await tenants()
    response = await client.post(
        "/api/v1/tickets", json=ticket_body(tags=["billing"]), headers=other.headers
    )
    assert response.status_code == 201

    everything = await _walk(client, tenant, "sort=created_at")
    full = {
        t["id"]: t
        for t in (await client.get("/api/v1/tickets?limit=100", headers=tenant.headers)).json()[
            "data"
        ]
    }
    expected = [i for i in everything if "billing" in full[i]["tags"]]
    assert len(expected) == 6
    assert first_other in expected and first_billing not in expected
    assert await _walk(client, tenant, "tag=billing") == expected
    # Combined with another filter, and with a cursor taken from the middle.
    assert await _walk(client, tenant, "tag=billing&status=open") == expected
    assert await _walk(client, tenant, "tag=nothing") == []
