"""The docs served at /docs: every page renders, links stay inside /docs, the API explorer
and its assets are Tixallo's own (nothing from another host), and the app keeps ``/``."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import httpx
import pytest

from tests.support.tenants import Tenant

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(p.stem for p in DOCS.glob("*.md"))
# An asset from another host: a script, image or frame source, or a stylesheet link (plain
# hyperlinks to other sites are fine: they load nothing).
OUTSIDE = re.compile(r"""\bsrc=["'](?:https?:)?//|<link[^>]+href=["'](?:https?:)?//|@import""")


async def test_the_index_and_every_page_render(client: httpx.AsyncClient) -> None:
    index = await client.get("/docs")
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    assert "<h1" in index.text and "Tixallo" in index.text
    for name in PAGES:
        answer = await client.get("/docs" if name == "index" else f"/docs/{name}")
        assert answer.status_code == 200, name
        title = (
            (DOCS / f"{name}.md").read_text().splitlines()[0].removeprefix("# ").replace("`", "")
        )
        assert f"<title>{title}" in answer.text.replace("&#x27;", "'"), name
        # Each page is in the navigation of every page.
        href = "/docs" if name == "index" else f"/docs/{name}"
        assert f'href="{href}"' in index.text, name
        assert not OUTSIDE.search(answer.text), name
        assert "script-src 'self'" in answer.headers["content-security-policy"]


async def test_markdown_is_rendered_and_page_links_rewritten(client: httpx.AsyncClient) -> None:
    page = (await client.get("/docs/getting-started")).text
    assert '<h2 id="1-start-tixallo-and-get-an-api-key">' in page
    assert "<table>" in page and "<code>Authorization</code>" in page
    assert 'href="/docs/authentication"' in page and "authentication.md" not in page
    assert '<pre><code class="language-bash">' in page
    # Angle brackets in code are escaped, not markup.
    assert "Bearer &lt;your API key&gt;" in page
    moved = await client.get("/docs/errors.md", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/docs/errors"


@pytest.mark.parametrize("path", ["/docs/nope", "/docs/..%2Fsecrets", "/docs/INDEX"])
async def test_unknown_pages_are_404(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404


@pytest.mark.parametrize(
    ("api", "spec"), [("v1", "/api/v1/openapi.json"), ("external", "/api/external/openapi.json")]
)
async def test_the_api_explorer_uses_only_local_assets(
    client: httpx.AsyncClient, api: str, spec: str
) -> None:
    page = await client.get(f"/docs/api/{api}")
    assert page.status_code == 200
    assert f'data-spec="{spec}"' in page.text
    assert '<script src="/docs/static/explorer.js" defer></script>' in page.text
    assert not OUTSIDE.search(page.text)
    schema = await client.get(spec)
    assert schema.status_code == 200 and schema.json()["paths"]
    script = await client.get("/docs/static/explorer.js")
    assert script.status_code == 200 and "text/javascript" in script.headers["content-type"]
    assert "http://" not in script.text and "https://" not in script.text
    style = await client.get("/docs/static/docs.css")
    assert style.status_code == 200 and "url(" not in style.text
    assert (await client.get("/docs/api/v2")).status_code == 404


@pytest.mark.parametrize("name", ["nope.js", "..%2F..%2Fapp.py", "render.py", "docs.css.map"])
async def test_only_known_assets_are_served(client: httpx.AsyncClient, name: str) -> None:
    assert (await client.get(f"/docs/static/{name}")).status_code == 404


async def test_the_app_keeps_its_root_and_the_api_its_json_errors(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    root = await client.get("/", follow_redirects=False)
    assert root.status_code in (200, 302, 303, 307)
    assert "/docs" not in root.headers.get("location", "")
    missing = await client.get("/api/v1/nope", headers=tenant.headers)
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found"


def test_every_link_between_pages_lands_on_a_page_and_anchor() -> None:
    from tixallo.docs_site.render import slug

    anchors = {}
    for page in DOCS.glob("*.md"):
        text = page.read_text()
        ids = {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}
        ids |= set(re.findall(r'<a id="([^"]+)"', text))
        anchors[page.name] = ids
    broken = []
    for page in sorted(DOCS.glob("*.md")):
        text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([a-z0-9-]*\.md)?(#[^)]*)?\)", text):
            name, anchor = target[0] or page.name, target[1].removeprefix("#")
            if name not in anchors or (anchor and anchor not in anchors[name]):
                broken.append(f"{page.name} -> {name}#{anchor}")
    assert not broken, broken


@pytest.mark.parametrize("api", ["v1", "external"])
async def test_every_request_body_has_an_example_its_model_accepts(
    client: httpx.AsyncClient, api: str
) -> None:
    """The explorer starts each POST, PUT and PATCH body from the document's example, so each
    one must exist and be a body the endpoint's own model validates."""
    from fastapi.routing import APIRoute, iter_route_contexts
    from pydantic import BaseModel

    from tixallo.api.external.app import create_external_app
    from tixallo.api.v1.app import create_v1_app

    spec = (await client.get(f"/api/{api}/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    app = create_v1_app() if api == "v1" else create_external_app()
    models: dict[str, type[BaseModel]] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.body_field is not None:
            annotation = route.body_field.field_info.annotation
            for model in typing.get_args(annotation) or (annotation,):
                if isinstance(model, type) and issubclass(model, BaseModel):
                    models[model.__name__] = model
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = content["application/json"]["schema"]
            ref = next(s["$ref"] for s in schema.get("anyOf", [schema]) if "$ref" in s)
            name = ref.rsplit("/", 1)[1]
            examples = schemas[name].get("examples")
            assert examples, f"{method.upper()} {path}: no example for {name}"
            models[name].model_validate(examples[0])
            checked += 1
    assert checked >= (9 if api == "v1" else 6)
