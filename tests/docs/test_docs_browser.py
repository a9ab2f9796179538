"""The docs and the API explorer in a real browser (Debian's Chromium via Playwright),
against a real server: pages navigate, the explorer sends real requests with a pasted key,
and nothing is loaded from another host."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.support.live import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("docs-browser")) as live:
        yield live


def _is_error(message: Any) -> bool:
    """A console error, except the browser's note of an API answer that is an error (the
    explorer shows those on purpose)."""
    if message.type != "error":
        return False
    return not (
        message.text.startswith("Failed to load resource")
        and "/api/" in message.location.get("url", "")
    )


@pytest.fixture
def page(server: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(base_url=server.url)
        context.set_default_timeout(15_000)
        page = context.new_page()
        errors: list[str] = []
        elsewhere: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if _is_error(m) else None)
        page.on(
            "request",
            lambda r: None if r.url.startswith(server.url) else elsewhere.append(r.url),
        )
        yield page
        browser.close()
        assert not errors, f"errors in the page: {errors}"
        assert not elsewhere, f"requests to other hosts: {elsewhere}"


def test_reading_the_guide_in_order(page: Any) -> None:
    page.goto("/docs")
    assert page.text_content("main h1") == "Tixallo API documentation"
    page.click("main a:has-text('Getting started')")
    page.wait_for_url(re.compile(r"/docs/getting-started$"))
    assert page.text_content("main h1") == "Getting started"
    assert page.locator("nav.side a[aria-current=page]").text_content() == "Getting started"
    page.click("main a:has-text('Authentication')")
    page.wait_for_url(re.compile(r"/docs/authentication$"))
    assert "Rotation with a grace period" in (page.text_content("main") or "")


def _send(page: Any, op_id: str, *, fields: dict[str, str] | None = None, body: Any = None) -> str:
    op = page.locator(f"details#{op_id}")
    op.locator("summary").click()
    for name, value in (fields or {}).items():
        op.locator(f"input[name={name}]").fill(value)
    if body is not None:
        op.locator("textarea").fill(json.dumps(body))
    op.locator("button[type=submit]").click()
    op.locator(".answer strong").wait_for()
    status = op.locator(".answer strong").text_content() or ""
    return status + "\n" + (op.locator(".answer pre").last.text_content() or "")


def test_the_explorer_sends_real_requests(page: Any, server: LiveServer) -> None:
    page.goto("/docs/api/v1")
    page.wait_for_selector("details#post-tickets")
    page.fill("#api-key", server.key)
    page.dispatch_event("#api-key", "change")
    answer = _send(
        page,
        "post-tickets",
        body={"subject": "From the explorer", "customer": {"email": "ex@example.com"}},
    )
    assert answer.startswith("201")
    ticket = json.loads(answer.split("\n", 1)[1])["data"]
    assert ticket["subject"] == "From the explorer"
    got = _send(page, "get-tickets-ticket-id-", fields={"ticket_id": ticket["id"]})
    assert got.startswith("200") and ticket["id"] in got
    # It really is in Tixallo.
    check = httpx.get(
        f"{server.url}/api/v1/tickets/{ticket['id']}",
        headers={"Authorization": f"Bearer {server.key}"},
    )
    assert check.json()["data"]["subject"] == "From the explorer"
    # The body the explorer suggests from the schema is one Tixallo accepts.
    assert _send(page, "put-customers").startswith("201")
    # A wrong key shows Tixallo's error body.
    page.fill("#api-key", "th_" + "x" * 43)
    assert _send(page, "get-inboxes").startswith("401")


@pytest.mark.parametrize("api", ["v1", "external"])
def test_the_explorer_shows_code_as_code_and_starts_from_examples(page: Any, api: str) -> None:
    page.goto(f"/docs/api/{api}")
    page.wait_for_selector("details.op")
    intro = page.locator(".keybox p").first
    assert "`" not in (intro.text_content() or "")
    assert "Authorization: Bearer" in (intro.locator("code").first.text_content() or "")
    descriptions = page.locator("details.op p.desc, details.op small, details.op td")
    assert not [t for t in descriptions.all_text_contents() if "`" in t]
    bodies = page.locator("details.op textarea").evaluate_all("(ts) => ts.map((t) => t.value)")
    assert bodies and all(json.loads(body) for body in bodies), bodies
    first = json.loads(page.locator("details#post-tickets textarea").input_value())
    assert first["subject"] == "Printer on fire"


def test_the_external_explorer_lists_its_operations(page: Any) -> None:
    page.goto("/docs/api/external")
    page.wait_for_selector("details.op")
    summaries = page.locator("details.op summary code").all_text_contents()
    assert "/tickets/{ticketId}/comments" in summaries
    spec = httpx.get(page.url.replace("/docs/api/external", "/api/external/openapi.json")).json()
    assert len(summaries) == sum(len(operations) for operations in spec["paths"].values())


def test_no_page_of_the_docs_is_missing_from_the_navigation(page: Any) -> None:
    page.goto("/docs")
    links = page.locator("nav.side a").evaluate_all("(as) => as.map((a) => a.pathname)")
    pages = {p.stem for p in (Path(__file__).resolve().parents[2] / "docs").glob("*.md")}
    expected = {"/docs" if p == "index" else f"/docs/{p}" for p in pages}
    assert expected <= set(links)
