"""Webhooks cannot be aimed inside the network: refused at registration and at send time,
after DNS resolution, whatever the spelling of the address; redirects are not followed."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.hostile import PRIVATE_URLS
from tests.support.receiver import Receiver, Reply, wait_until
from tests.support.tenants import Tenant
from tests.support.web import sign_in
from tests.support.webhooks import create_ticket, create_webhook, running_worker
from tixallo.app import create_app
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.webhooks import sender, ssrf

# The issue's IPv6 examples: refused when they are the URL's host, and when a name's DNS
# answer is one of them.
ISSUE_13_ADDRESSES = [
    "::127.0.0.1",
    "::ffff:0:127.0.0.1",
    "64:ff9b:1::7f00:1",
    "::a9fe:a9fe",
    "::a00:1",
    "fec0::1",
]
REFUSAL = "url must resolve to a public address."


@pytest.fixture
def strict(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allow_private": False})


@pytest.fixture
async def strict_client(db: Database, strict: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(strict, db=db))
    async with httpx.AsyncClient(transport=transport, base_url="http://tixallo.test") as c:
        yield c


@pytest.mark.parametrize("template", PRIVATE_URLS)
async def test_registration_refuses_private_addresses(
    strict_client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver, template: str
) -> None:
    url = template.format(port=receiver.port)
    response = await strict_client.post(
        "/api/v1/webhooks", json={"url": url, "events": ["*"]}, headers=tenant.headers
    )
    assert response.status_code == 400, (url, response.text)
    assert response.json()["error"]["param"] == "url"
    hook = await create_webhook(strict_client, tenant, "http://93.184.216.34/hook")
    patched = await strict_client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"url": url}, headers=tenant.headers
    )
    assert patched.status_code == 400
    assert receiver.connections == 0


async def test_registration_accepts_a_public_address(
    strict_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hook = await create_webhook(strict_client, tenant, "https://93.184.216.34:8443/in?x=1")
    assert hook["url"] == "https://93.184.216.34:8443/in?x=1"


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("93.184.216.34", False),
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
        ("127.0.0.1", True),
        ("100.100.100.200", True),
        ("169.254.169.254", True),
        ("::ffff:10.0.0.1", True),
        ("::ffff:8.8.8.8", False),
        ("2002:7f00:1::", True),  # 6to4 wrapping 127.0.0.1
        ("2002:808:808::1", False),  # 6to4 wrapping 8.8.8.8
        ("64:ff9b::a00:1", True),
        ("64:ff9b::808:808", False),  # well-known NAT64 reaches the public IPv4 inside
        ("64:ff9b:1::808:808", True),  # local-use NAT64: a private network's translator
        ("::7f00:1", True),  # IPv4-compatible 127.0.0.1
        ("::a9fe:a9fe", True),
        ("::a00:1", True),
        ("::ffff:0:127.0.0.1", True),  # IPv4-translated
        ("::ffff:0:a9fe:a9fe", True),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", True),  # Teredo, client 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),  # Teredo, client 192.0.2.45
        ("fec0::1", True),  # deprecated site-local
        ("fefe::1", True),
        ("fd00:ec2::254", True),
        ("::", True),
        ("::1", True),
    ],
)
def test_address_classification(address: str, blocked: bool) -> None:
    assert ssrf.is_blocked(ipaddress.ip_address(address)) is blocked


@pytest.mark.parametrize("address", ISSUE_13_ADDRESSES)
async def test_a_dns_answer_in_an_ipv4_embedding_form_is_refused(
    strict_client: httpx.AsyncClient,
    tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
    address: str,
) -> None:
    """A name resolving to one of these is refused at registration and at send time, with
    the same words as any other refusal."""
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def answer(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.example.test":
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]
        return await real(host, port, *args, **kwargs)

    monkeypatch.setattr(loop, "getaddrinfo", answer)
    response = await strict_client.post(
        "/api/v1/webhooks",
        json={"url": "http://hooks.example.test/in", "events": ["*"]},
        headers=tenant.headers,
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == REFUSAL
    assert response.json()["error"]["param"] == "url"
    async with sender.new_client(2.0) as http:
        outcome = await sender.send(
            http, "http://hooks.example.test/in", {}, b"{}", allow_private=False, timeout=2.0
        )
    assert outcome.succeeded is False
    assert outcome.error == "refused: url must resolve to a public address"


@pytest.mark.parametrize("address", ISSUE_13_ADDRESSES)
async def test_ipv4_embedding_literals_are_refused_at_send_time(address: str) -> None:
    async with sender.new_client(2.0) as http:
        outcome = await sender.send(
            http, f"http://[{address}]:9/in", {}, b"{}", allow_private=False, timeout=2.0
        )
    assert outcome.error == "refused: url must resolve to a public address"


async def test_refusal_is_the_same_for_private_and_unresolvable_hosts(
    strict_client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    """No DNS oracle (issue 13, item 9): the answer names no address and does not tell a
    name that resolves inside from one that does not resolve."""
    errors = []
    for url in (
        f"http://localhost:{receiver.port}/hook",
        "http://nothing-here.invalid/hook",
        "http://[::ffff:10.0.0.1]/hook",
    ):
        response = await strict_client.post(
            "/api/v1/webhooks", json={"url": url, "events": ["*"]}, headers=tenant.headers
        )
        assert response.status_code == 400, url
        errors.append(response.json()["error"])
    assert {e["message"] for e in errors} == {REFUSAL}
    assert {e["param"] for e in errors} == {"url"}


async def test_the_app_refuses_with_the_same_words(
    db: Database, strict: Settings, tenant: Tenant, receiver: Receiver
) -> None:
    transport = httpx.ASGITransport(app=create_app(strict, db=db))
    async with httpx.AsyncClient(transport=transport, base_url="http://tixallo.test") as web:
        csrf = await sign_in(web, tenant.created.user.email)
        pages = []
        for url in (f"http://localhost:{receiver.port}/hook", "http://nothing-here.invalid/"):
            response = await web.post(
                "/settings/webhooks", data={"csrf": csrf, "url": url, "events": ["*"]}
            )
            assert response.status_code == 400
            assert REFUSAL in response.text
            pages.append(response.text)
    assert "127.0.0.1" not in pages[0] and "could not be resolved" not in pages[1]


async def test_send_time_check_refuses_a_loopback_endpoint(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    strict: Settings,
    receiver: Receiver,
) -> None:
    """Registered while private addresses were allowed, sent by a worker that refuses them
    (the check also covers a name whose DNS answer changed since registration)."""
    by_ip = await create_webhook(client, tenant, receiver.url("/ip"), ["ticket.created"])
    by_name = await create_webhook(
        client, tenant, f"http://localhost:{receiver.port}/name", ["ticket.created"]
    )
    await create_ticket(client, tenant)
    async with running_worker(db, strict):
        for _ in range(300):
            done = []
            for hook in (by_ip, by_name):
                listed = await client.get(
                    f"/api/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers
                )
                done.append(
                    bool(listed.json()["data"][0]["attempts"]) if listed.json()["data"] else False
                )
            if all(done):
                break
            await asyncio.sleep(0.02)
    assert receiver.connections == 0
    for hook in (by_ip, by_name):
        listed = await client.get(
            f"/api/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers
        )
        delivery = listed.json()["data"][0]
        attempt = delivery["attempts"][0]
        assert attempt["succeeded"] is False
        # The same words for a name and an IP, naming neither the address nor the host.
        assert attempt["error"] == "refused: url must resolve to a public address"
        assert delivery["last_error"] == attempt["error"]


async def test_redirect_to_a_private_address_is_not_followed(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    settings: Settings,
    make_receiver: object,
) -> None:
    inside, front = make_receiver(), make_receiver()  # type: ignore[operator]
    front.reply = lambda _r: Reply(status=302, headers={"location": inside.url("/internal")})
    hook = await create_webhook(client, tenant, front.url(), ["ticket.created"])
    await create_ticket(client, tenant)
    async with running_worker(db, settings):
        await wait_until(lambda: len(front.requests) >= 1)
        await asyncio.sleep(0.2)
    assert inside.connections == 0
    listed = await client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers)
    attempt = listed.json()["data"][0]["attempts"][0]
    assert attempt["status_code"] == 302
    assert attempt["succeeded"] is False
    assert "redirect" in attempt["error"]


async def test_requests_connect_to_the_checked_address() -> None:
    url, headers, extensions = await sender._pinned_request("https://93.184.216.34:8443/in?x=1")
    assert url == "https://93.184.216.34:8443/in?x=1"
    assert headers == {"host": "93.184.216.34:8443"}
    assert extensions == {"sni_hostname": "93.184.216.34"}
    with pytest.raises(ssrf.BlockedAddress):
        await sender._pinned_request("http://localhost/x")
