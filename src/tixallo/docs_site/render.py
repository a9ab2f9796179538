"""Markdown -> HTML for the pages of ``docs/`` (markdown-it-py, CommonMark plus tables).

The pages are the project's own files, so their few raw HTML anchors are kept. Links to
``other.md#part`` become ``/docs/other#part`` so the pages link to each other when served.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

PAGE_LINK = re.compile(r"^([a-z0-9-]+)\.md(#.*)?$")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _link_open(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    href = str(tokens[idx].attrs.get("href", ""))
    if match := PAGE_LINK.match(href):
        tokens[idx].attrSet("href", f"/docs/{match.group(1)}{match.group(2) or ''}")
    return self.renderToken(tokens, idx, options, env)


def _heading_open(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    inline = tokens[idx + 1]
    if inline.type == "inline" and not tokens[idx].attrGet("id"):
        tokens[idx].attrSet("id", slug(inline.content))
    return self.renderToken(tokens, idx, options, env)


def _fence(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Code blocks with their language as a label; the ``run`` and endpoint words of the
    info string are for the example tests, not for readers."""
    token = tokens[idx]
    language = token.info.split()[0] if token.info.strip() else ""
    label = {"bash": "curl / shell", "javascript": "Node.js", "python": "Python"}.get(
        language, language
    )
    head = f'<div class="code-label">{escape(label)}</div>' if label else ""
    klass = f' class="language-{escape(language)}"' if language else ""
    return f"{head}<pre><code{klass}>{escape(token.content)}</code></pre>\n"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("heading_open", _heading_open)
    md.add_render_rule("fence", _fence)
    return md


def render_markdown(text: str) -> str:
    return str(_parser().render(text))


def title_of(text: str, default: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip().replace("`", "")
    return default


def headings(text: str) -> list[dict[str, Any]]:
    """The page's ``##`` headings, for its table of contents."""
    return [
        {"id": slug(line[3:].strip()), "title": line[3:].strip()}
        for line in text.splitlines()
        if line.startswith("## ")
    ]


def load(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    return title_of(text, path.stem), text
