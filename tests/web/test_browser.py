"""Browser tests: a real server (``tixallo serve``) and Debian's Chromium via Playwright.

They skip only where no Chromium exists and ``CI`` is not set.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.support.receiver import Receiver
from tests.support.server import Process, running, serve
from tixallo.auth.keys import display_prefix

PASSWORD = "a fine long password"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    """``tixallo serve`` on a fresh SQLite file, exactly as a user would start it."""
    require_chromium()
    where = tmp_path_factory.mktemp("browser")
    env = {
        "TIXALLO_DATABASE_URL": f"sqlite+aiosqlite:///{where / 'tixallo.db'}",
        "TIXALLO_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    with running(serve(env, where / "server.log", cwd=where), stop_timeout=10) as started:
        yield started


@pytest.fixture(scope="module")
def browser(server: Process) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: Process) -> Iterator[Any]:
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def sign_up(page: Any, workspace: str) -> str:
    """Create a workspace through the sign-up page, then sign in (sign-up never signs in:
    its answer is the same whether or not the email had an account); returns the email."""
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/signup")
    page.fill("input[name=workspace]", workspace)
    page.fill("input[name=name]", "Olive Owner")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Create workspace')")
    page.wait_for_url(re.compile(r"/signin\?signed_up=1$"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/$"))
    return email


def create_key(page: Any, name: str, scopes: list[str]) -> str:
    page.goto("/settings/keys")
    page.fill("#create-key input[name=name]", name)
    for scope in scopes:
        page.check(f"#create-key input[value='{scope}']")
    page.click("#create-key button[type=submit]")
    secret = page.text_content("#secret-value")
    assert secret and secret.startswith("th_")
    return secret.strip()


def api(server: Process, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.base_url}/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=10
    )


def test_sign_up_sign_out_and_sign_in(page: Any) -> None:
    email = sign_up(page, "Browser Co")
    assert page.locator(".workspace-name").text_content() == "Browser Co"
    page.click("button:has-text('Sign out')")
    page.wait_for_url(re.compile(r"/signin"))
    page.goto("/settings/keys")
    page.wait_for_url(re.compile(r"/signin\?next=/settings/keys"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "wrong password")
    page.click("button:has-text('Sign in')")
    assert "do not match" in (page.text_content(".error") or "")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/settings/keys$"))
    assert page.locator("h1").text_content() == "API keys"


def test_api_key_created_used_and_revoked(page: Any, server: Process) -> None:
    sign_up(page, "Keys Co")
    secret = create_key(page, "CRM sync", ["tickets:read"])
    with api(server, secret) as client:
        assert client.get("/tickets").status_code == 200
        assert client.post("/tickets", json={}).status_code in (400, 403)  # no write scope
        page.goto("/settings/keys")
        assert secret not in page.content()  # shown once only
        row = page.locator("#keys tr", has_text="CRM sync")
        assert row.locator("code").first.text_content() == display_prefix(secret) + "…"
        page.once("dialog", lambda dialog: dialog.accept())
        row.locator("button:has-text('Revoke')").click()
        page.wait_for_selector(".flash")
        assert "revoked" in (row.text_content() or "")
        assert client.get("/tickets").status_code == 401


def test_work_a_ticket_end_to_end(page: Any, server: Process) -> None:
    sign_up(page, "Support Co")
    secret = create_key(page, "intake", ["tickets:read", "tickets:write"])
    page.goto("/")
    with api(server, secret) as client:
        first = client.post(
            "/tickets",
            json={
                "subject": "Printer on fire",
                "body": "It started smoking after the update.",
                "customer": {"email": "pat@initech.com", "name": "Pat"},
                "priority": "high",
            },
        ).json()["data"]
        # The open queue shows the new ticket without a reload (Server-Sent Events).
        page.wait_for_selector("text=Printer on fire", timeout=15_000)
        second = client.post(
            "/tickets",
            json={
                "subject": "Printer still smoking",
                "body": "Same again.",
                "customer": {"email": "pat@initech.com"},
            },
        ).json()["data"]

        page.goto(f"/tickets/{first['id']}")
        page.fill("#body", "Please unplug it; we are sending a technician.")
        page.click("button[value=reply]")
        page.wait_for_selector(".msg.agent:has-text('unplug it')")
        page.fill("#body", "Customer seems calm; escalate to hardware.")
        page.click("button[value=note]")
        page.wait_for_selector(".msg.note:has-text('escalate to hardware')")
        assert page.locator(".msg.note .note-badge").text_content() == "Internal note"

        page.select_option("#properties select[name=status]", "waiting")
        page.select_option("#properties select[name=priority]", "urgent")
        page.select_option("#properties select[name=assignee]", label="Olive Owner (me)")
        page.fill("#properties input[name=tags]", "hardware, fire")
        page.click("#properties button[type=submit]")
        page.wait_for_selector(".flash:has-text('Ticket updated')")
        ticket = client.get(f"/tickets/{first['id']}").json()["data"]
        assert ticket["status"] == "waiting"
        assert ticket["priority"] == "urgent"
        assert ticket["assignee"]["name"] == "Olive Owner"
        assert ticket["tags"] == ["hardware", "fire"]
        public = client.get(f"/tickets/{first['id']}/messages").json()["data"]
        bodies = [m["body"] for m in public]
        assert any("unplug it" in b for b in bodies)
        assert not any("escalate" in b for b in bodies)  # the note never leaves the app

        # A reply from the customer through the API appears on the open page live.
        client.post(f"/tickets/{first['id']}/messages", json={"body": "Unplugged. Thanks!"})
        page.wait_for_selector(".msg.customer:has-text('Unplugged. Thanks!')", timeout=15_000)

        page.goto("/?view=mine")
        assert page.locator("[data-queue] tbody tr").count() == 1
        page.goto(f"/tickets/{second['id']}")
        assert page.locator("text=Printer on fire").count() >= 1  # customer's other tickets
        page.fill("#merge input[name=target]", f"#{first['number']}")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#merge button[type=submit]")
        page.wait_for_url(re.compile(rf"/tickets/{first['id']}$"))
        assert page.locator(".msg:has-text('Same again.')").count() == 1
        merged = client.get(f"/tickets/{second['id']}").json()["data"]
        assert merged["merged_into_id"] == first["id"]
        assert merged["status"] == "closed"


def test_xss_payloads_render_as_text(page: Any, server: Process) -> None:
    sign_up(page, "Safe Co")
    secret = create_key(page, "intake", ["*"])
    payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    with api(server, secret) as client:
        ticket = client.post(
            "/tickets",
            json={
                "subject": f"Hi {payload}",
                "body": f"Body {payload}",
                "customer": {"email": "mallory@evil.example", "name": f"Mallory {payload}"},
            },
        ).json()["data"]
    for path in (
        "/",
        f"/tickets/{ticket['id']}",
        "/customers",
        f"/customers/{ticket['customer']['id']}",
    ):
        page.goto(path)
        assert page.evaluate("window.__pwned") is None, path
        assert page.locator("img[src=x]").count() == 0, path
    page.goto(f"/tickets/{ticket['id']}")
    assert payload in (page.text_content(".msg-body") or "")
    assert payload in (page.text_content("h1") or "")
    page.fill("#body", payload)
    page.click("button[value=note]")
    page.wait_for_selector(".msg.note")
    assert page.evaluate("window.__pwned") is None
    assert payload in (page.text_content(".msg.note .msg-body") or "")


def test_live_chat_with_a_visitor_posting_through_the_api(page: Any, server: Process) -> None:
    sign_up(page, "Chat Co")
    secret = create_key(page, "widget", ["chat:read", "chat:write"])
    with api(server, secret) as client:
        conversation = client.post(
            "/chat/conversations",
            json={"visitor_email": "vera@visitor.com", "visitor_name": "Vera"},
        ).json()["data"]
        page.goto("/chat")
        page.click(f"a[href='/chat/{conversation['id']}']")
        page.wait_for_url(re.compile(rf"/chat/{conversation['id']}$"))
        messages_url = f"/chat/conversations/{conversation['id']}/messages"
        client.post(
            messages_url, json={"content": "Hello, anyone there?", "sender_type": "visitor"}
        )
        page.wait_for_selector(".msg.customer:has-text('Hello, anyone there?')", timeout=15_000)
        page.fill("#content", "Hi Vera, how can I help?")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector(".msg.agent:has-text('how can I help')")
        sent = client.get(messages_url).json()["data"]
        assert sent[-1]["content"] == "Hi Vera, how can I help?"
        assert sent[-1]["sender_type"] == "agent"
        client.post(messages_url, json={"content": "My invoice is wrong", "sender_type": "visitor"})
        page.wait_for_selector(".msg.customer:has-text('My invoice is wrong')", timeout=15_000)
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("button:has-text('End conversation')")
        page.wait_for_selector(".flash:has-text('Conversation ended')")
        page.fill("#to-ticket input[name=subject]", "Wrong invoice (from chat)")
        page.click("#to-ticket button")
        page.wait_for_url(re.compile(r"/tickets/tkt_"))
        assert "Wrong invoice (from chat)" in (page.text_content("h1") or "")
        assert page.locator(".msg:has-text('My invoice is wrong')").count() == 1


def test_webhook_registered_and_delivery_appears_in_its_log(page: Any, server: Process) -> None:
    sign_up(page, "Hooks Co")
    secret = create_key(page, "intake", ["tickets:write"])
    with Receiver() as receiver:
        page.goto("/settings/webhooks")
        page.fill("#create-webhook input[name=url]", receiver.url("/hooks"))
        page.check("#create-webhook input[value='ticket.created']")
        page.click("#create-webhook button[type=submit]")
        signing_secret = page.text_content("#secret-value") or ""
        assert signing_secret.startswith("whsec_")
        page.click("button:has-text('Send test event')")
        assert "delivered (HTTP 200)" in (page.text_content("#test-outcome") or "")
        with api(server, secret) as client:
            created = client.post(
                "/tickets",
                json={"subject": "Hook me", "customer": {"email": "hook@example.com"}},
            )
            assert created.status_code == 201
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            page.reload()
            row = page.locator("#deliveries tr[data-delivery]")
            if row.count() and "succeeded" in (row.first.text_content() or ""):
                break
            time.sleep(0.5)
        row = page.locator("#deliveries tr[data-delivery]").first
        assert "ticket.created" in (row.text_content() or "")
        assert "succeeded" in (row.text_content() or "")
        assert "HTTP 200" in (row.text_content() or "")
        delivered = [json.loads(r.body) for r in receiver.requests]
        assert any(p["type"] == "ticket.created" for p in delivered)
        row.locator("button:has-text('Redeliver')").click()
        page.wait_for_selector(".flash:has-text('Delivery queued again')")
