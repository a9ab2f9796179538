"""``GET /docs``, ``/docs/{page}``, ``/docs/api/{v1|external}`` and ``/docs/static/{file}``.

Pages are read from the repository's ``docs/`` directory on each request (they are small,
and an edited page shows without a restart). Only names that exist there are served; every
asset is Tixallo's own (no CDN), so the docs work on a machine with no internet.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from tixallo.docs_site.render import headings, load, render_markdown
from tixallo.errors import NotFound

#: The documentation pages. In a checkout this is a link to the repository's ``docs/``; a
#: wheel carries the pages themselves (package data), so an installed server serves them too.
DOCS_DIR = Path(__file__).resolve().parent / "pages"
STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

#: The reading order of the guide; pages not listed follow in name order.
ORDER = (
    "index",
    "getting-started",
    "authentication",
    "api-reference",
    "examples",
    "webhooks",
    "errors",
    "rate-limits",
    "sync",
    "python-client",
    "tacohelp-compatibility",
    "operations",
    "app",
)
EXPLORERS = {
    "v1": ("Tixallo API v1", "/api/v1/openapi.json"),
    "external": ("TacoHelp-compatible API", "/api/external/openapi.json"),
}
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
#: The pages are the project's own; scripts and styles come from /docs/static only.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "Cache-Control": "no-cache",
}

router = APIRouter(prefix="/docs", include_in_schema=False)


def page_names() -> list[str]:
    found = {p.stem for p in DOCS_DIR.glob("*.md") if PAGE_NAME.match(p.stem)}
    return [n for n in ORDER if n in found] + sorted(found - set(ORDER))


def _nav(current: str) -> str:
    items = []
    for name in page_names():
        title, _ = load(DOCS_DIR / f"{name}.md")
        here = ' aria-current="page"' if name == current else ""
        href = "/docs" if name == "index" else f"/docs/{name}"
        items.append(f'<li><a href="{href}"{here}>{escape(title)}</a></li>')
    for name, (title, _) in EXPLORERS.items():
        here = ' aria-current="page"' if current == f"api/{name}" else ""
        items.append(f'<li><a href="/docs/api/{name}"{here}>Try it: {escape(title)}</a></li>')
    return "\n".join(items)


def _layout(title: str, current: str, main: str, *, scripts: str = "") -> HTMLResponse:
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · Tixallo docs</title>
<link rel="stylesheet" href="/docs/static/docs.css">
<link rel="icon" href="/docs/static/favicon.svg" type="image/svg+xml">
{scripts}
</head>
<body>
<header class="top"><a class="brand" href="/docs">Tixallo docs</a>
<a class="app" href="/">Open the app</a></header>
<div class="wrap">
<nav class="side" aria-label="Documentation"><ul>
{_nav(current)}
</ul></nav>
<main>
{main}
</main>
</div>
</body>
</html>
"""
    return HTMLResponse(html, headers=HEADERS)


def _page(name: str) -> HTMLResponse:
    path = DOCS_DIR / f"{name}.md"
    if not PAGE_NAME.match(name) or not path.is_file():
        raise NotFound("page", name)
    title, text = load(path)
    toc = headings(text)
    contents = ""
    if len(toc) > 2:
        links = "".join(f'<li><a href="#{h["id"]}">{escape(h["title"])}</a></li>' for h in toc)
        contents = f'<nav class="toc" aria-label="On this page"><ul>{links}</ul></nav>'
    return _layout(
        title, name, contents + f'<article class="doc">{render_markdown(text)}</article>'
    )


@router.get("")
async def docs_index() -> Response:
    return _page("index")


@router.get("/api/{api}")
async def explorer(api: str) -> Response:
    if api not in EXPLORERS:
        raise NotFound("API", api)
    title, spec = EXPLORERS[api]
    main = (
        f'<h1>{escape(title)}</h1>\n<div id="explorer" data-spec="{spec}"'
        f' data-base="{spec.rsplit("/", 1)[0]}"><p>Loading {escape(spec)}…</p></div>'
    )
    script = '<script src="/docs/static/explorer.js" defer></script>'
    return _layout(title, f"api/{api}", main, scripts=script)


@router.get("/static/{name}")
async def static(name: str) -> Response:
    path = STATIC_DIR / name
    suffix = Path(name).suffix
    if "/" in name or suffix not in STATIC_TYPES or not path.is_file():
        raise NotFound("file", name)
    return FileResponse(
        path, media_type=STATIC_TYPES[suffix], headers={"Cache-Control": "no-cache"}
    )


@router.get("/{name}")
async def docs_page(name: str) -> Response:
    if name.endswith(".md"):
        return RedirectResponse(f"/docs/{name.removesuffix('.md')}", status_code=301)
    if name == "index":
        return RedirectResponse("/docs", status_code=301)
    return _page(name)
