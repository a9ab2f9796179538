"""Customers (resolved by email, upserted for CRM mirroring), companies and inboxes."""

from __future__ import annotations

import httpx
import pytest

from tests.support.tenants import Tenant, ticket_body

pytestmark = pytest.mark.usefixtures("db")


async def test_put_creates_then_updates_by_email(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = await client.put(
        "/api/v1/customers",
        json={"email": "Ada@Lovelace.dev", "name": "Ada"},
        headers=tenant.headers,
    )
    assert created.status_code == 201, created.text
    customer = created.json()["data"]
    assert customer["email"] == "ada@lovelace.dev"
    assert customer["company"]["domain"] == "lovelace.dev"
    updated = await client.put(
        "/api/v1/customers",
        json={"email": "ada@lovelace.dev", "name": "Ada L."},
        headers=tenant.headers,
    )
    assert updated.status_code == 200
    assert updated.json()["data"]["id"] == customer["id"]
    assert updated.json()["data"]["name"] == "Ada L."
    got = await client.get(f"/api/v1/customers/{customer['id']}", headers=tenant.headers)
    assert got.json()["data"]["name"] == "Ada L."


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"email": "nope"}, "email"),
        ({}, "email"),
        ({"email": "a@b.co", "name": ""}, "name"),
        ({"email": "a@b.co", "id": "cus_x"}, "id"),
    ],
)
async def test_bad_upsert_is_400(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, str], param: str
) -> None:
    response = await client.put("/api/v1/customers", json=body, headers=tenant.headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param
    listed = await client.get("/api/v1/customers", headers=tenant.headers)
    assert listed.json()["data"] == []


async def test_list_customers_and_filter_by_email(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for email in ("a@acme.com", "b@acme.com", "c@gmail.com"):
        await client.put("/api/v1/customers", json={"email": email}, headers=tenant.headers)
    page = (await client.get("/api/v1/customers?limit=2", headers=tenant.headers)).json()
    assert [c["email"] for c in page["data"]] == ["c@gmail.com", "b@acme.com"]
    rest = (
        await client.get(f"/api/v1/customers?cursor={page['next_cursor']}", headers=tenant.headers)
    ).json()
    assert [c["email"] for c in rest["data"]] == ["a@acme.com"]
    one = (await client.get("/api/v1/customers?email=B@acme.com", headers=tenant.headers)).json()
    assert [c["email"] for c in one["data"]] == ["b@acme.com"]


async def test_companies_group_customers_by_domain(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    await client.put("/api/v1/customers", json={"email": "boss@acme.com"}, headers=tenant.headers)
    await client.put("/api/v1/customers", json={"email": "me@gmail.com"}, headers=tenant.headers)
    companies = (await client.get("/api/v1/companies", headers=tenant.headers)).json()
    assert [c["domain"] for c in companies["data"]] == ["acme.com"]
    company = companies["data"][0]
    got = await client.get(f"/api/v1/companies/{company['id']}", headers=tenant.headers)
    assert got.json()["data"] == company
    members = await client.get(
        f"/api/v1/customers?company_id={company['id']}", headers=tenant.headers
    )
    assert sorted(c["email"] for c in members.json()["data"]) == ["boss@acme.com", "sam@acme.com"]


async def test_unknown_customer_and_company_are_404(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for path in ("/api/v1/customers/cus_nope", "/api/v1/companies/com_nope", "/api/v1/inboxes/x"):
        response = await client.get(path, headers=tenant.headers)
        assert response.status_code == 404, path


async def test_inboxes_list_the_default_inbox(client: httpx.AsyncClient, tenant: Tenant) -> None:
    listed = (await client.get("/api/v1/inboxes", headers=tenant.headers)).json()
    assert listed["has_more"] is False
    assert [(i["id"], i["is_default"]) for i in listed["data"]] == [(tenant.created.inbox.id, True)]
    got = await client.get(f"/api/v1/inboxes/{tenant.created.inbox.id}", headers=tenant.headers)
    assert got.json()["data"]["name"] == "Support"
