"""Regenerate the generated parts of docs/examples.md and docs/api-reference.md.

    .venv/bin/python -m tests.docs.make_docs

Snippets come from :mod:`tests.docs.endpoints`; parameters, bodies and scopes from the
live route table and OpenAPI document; the documented responses from running the Python
snippets against a real server. Text outside the ``<!-- generated -->`` markers is kept.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from tests.docs.endpoints import ENDPOINTS, Endpoint
from tests.support.live import live_server
from tixallo.api.v1.app import create_v1_app

DOCS = Path(__file__).resolve().parents[2] / "docs"
START, END = "<!-- generated:start -->", "<!-- generated:end -->"
VAR = re.compile(r"\{(\w+)\}")
STATUS_TEXT = {200: "200 OK", 201: "201 Created", 202: "202 Accepted", 204: "204 No Content"}


def upper(var: str) -> str:
    return var.upper()


def camel(var: str) -> str:
    head, *rest = var.split("_")
    return head + "".join(p.title() for p in rest)


# --- curl -----------------------------------------------------------------------------------


def _curl(method: str, path: str, body: dict[str, Any] | None, *, main: bool) -> list[str]:
    url = '"$API' + VAR.sub(lambda m: "$" + upper(m.group(1)), path) + '"'
    head = "curl -sS --fail-with-body" + ("" if method == "GET" else f" -X {method}")
    lines = [f"{head} {url}", '  -H "$AUTH"']
    if body is not None:
        data = json.dumps(body)
        data = re.sub(r'"\{(\w+)\}"', lambda m: '"\'"$' + upper(m.group(1)) + '"\'"', data)
        lines.append('  -H "Content-Type: application/json"')
    if method == "POST" and main:
        lines.append('  -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)"')
    if body is not None:
        lines.append(f"  -d '{data}'")
    if method == "DELETE" and main:
        lines.append("  -w '%{http_code}\\n'")
    return lines


def bash(ep: Endpoint) -> str:
    out = ['API="$TIXALLO_URL/api/v1"', 'AUTH="Authorization: Bearer $TIXALLO_API_KEY"']
    out += [f'{upper(var)}="${name}"' for var, name in ep.env.items()]
    for step in ep.setup:
        call = _curl(step.method, step.path, step.body, main=False)
        if step.poll:
            out += [
                "for _ in $(seq 30); do",
                f"  {upper(step.var)}=$({call[0]} -H \"$AUTH\" | jq -r '{step.pick} // empty')",
                f'  [ -n "${upper(step.var)}" ] && break',
                "  sleep 0.5",
                "done",
            ]
            continue
        call[0] = f"{upper(step.var)}=$({call[0]}"
        call[-1] += f" | jq -r '{step.pick}')"
        out += _join(call)
    query = "?" + "&".join(f"{k}={v}" for k, v in ep.query.items()) if ep.query else ""
    out += _join(_curl(ep.method, ep.path + query, ep.body, main=True))
    return "\n".join(out) + "\n"


def _join(lines: list[str]) -> list[str]:
    return [line + " \\" for line in lines[:-1]] + [lines[-1]]


# --- Node.js --------------------------------------------------------------------------------

JS_HELPER = """\
const API = `${process.env.TIXALLO_URL}/api/v1`;
const KEY = process.env.TIXALLO_API_KEY;

async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${KEY}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method === "POST") headers["Idempotency-Key"] = crypto.randomUUID();
  const res = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return res.status === 204 ? res.status : res.json();
}
"""


def _js_path(path: str) -> str:
    if VAR.search(path):
        return "`" + VAR.sub(lambda m: "${" + camel(m.group(1)) + "}", path) + "`"
    return json.dumps(path)


def _js_args(method: str, path: str, body: dict[str, Any] | None) -> str:
    args = f'"{method}", {_js_path(path)}'
    if body is not None:
        literal = json.dumps(body, indent=2)
        literal = re.sub(r'"\{(\w+)\}"', lambda m: camel(m.group(1)), literal)
        args += ", " + literal
    return args


def javascript(ep: Endpoint) -> str:
    out = [JS_HELPER]
    out += [f"const {camel(var)} = process.env.{name};" for var, name in ep.env.items()]
    for step in ep.setup:
        var = camel(step.var)
        if step.poll:
            out.append(
                f"let {var};\n"
                f"for (let i = 0; i < 30 && !{var}; i++) {{\n"
                f"  {var} = (await call({_js_args(step.method, step.path, step.body)}))"
                f"{step.pick.replace('[0]', '[0]?')};\n"
                f"  if (!{var}) await new Promise((resolve) => setTimeout(resolve, 500));\n"
                "}"
            )
            continue
        out.append(
            f"const {var} = (await call({_js_args(step.method, step.path, step.body)})){step.pick};"
        )
    query = "?" + "&".join(f"{k}={v}" for k, v in ep.query.items()) if ep.query else ""
    out.append(f"const result = await call({_js_args(ep.method, ep.path + query, ep.body)});")
    out.append("console.log(JSON.stringify(result));")
    return "\n".join(out) + "\n"


# --- Python ---------------------------------------------------------------------------------

PY_HELPER = """\
import json
import os
{time}import uuid

import httpx

api = httpx.Client(
    base_url=os.environ["TIXALLO_URL"] + "/api/v1",
    headers={{"Authorization": "Bearer " + os.environ["TIXALLO_API_KEY"]}},
)


def call(method, path, body=None):
    headers = {{"Idempotency-Key": str(uuid.uuid4())}} if method == "POST" else {{}}
    response = api.request(method, path, json=body, headers=headers)
    if response.is_error:
        raise SystemExit(f"{{response.status_code}} {{response.text}}")
    return response.status_code if response.status_code == 204 else response.json()

"""


def _py_pick(pick: str) -> str:
    return "".join(
        f"[{part[1:-1]}]" if part.startswith("[") else f'["{part}"]'
        for part in re.findall(r"\[\d+\]|\w+", pick)
    )


def _py_args(method: str, path: str, body: dict[str, Any] | None) -> str:
    literal_path = ("f" if VAR.search(path) else "") + json.dumps(path)
    args = f'"{method}", {literal_path}'
    if body is not None:
        literal = json.dumps(body, indent=4)
        literal = re.sub(r'"\{(\w+)\}"', lambda m: m.group(1), literal)
        args += ", " + literal
    return args


def python(ep: Endpoint) -> str:
    polls = any(s.poll for s in ep.setup)
    out = [PY_HELPER.format(time="import time\n" if polls else "")]
    out += [f'{var} = os.environ["{name}"]' for var, name in ep.env.items()]
    for step in ep.setup:
        if step.poll:
            out.append(
                "for _ in range(30):\n"
                f'    found = call({_py_args(step.method, step.path, step.body)})["data"]\n'
                "    if found:\n"
                f'        {step.var} = found[0]["id"]\n'
                "        break\n"
                "    time.sleep(0.5)"
            )
            continue
        out.append(
            f"{step.var} = call({_py_args(step.method, step.path, step.body)}){_py_pick(step.pick)}"
        )
    query = "?" + "&".join(f"{k}={v}" for k, v in ep.query.items()) if ep.query else ""
    out.append(f"result = call({_py_args(ep.method, ep.path + query, ep.body)})")
    out.append("print(json.dumps(result))")
    return "\n".join(out) + "\n"


RENDERERS = {"bash": bash, "javascript": javascript, "python": python}
LABELS = {"bash": "curl", "javascript": "Node.js (18+)", "python": "Python (httpx)"}


def examples_section() -> str:
    out: list[str] = []
    group = ""
    for ep in ENDPOINTS:
        tag = ep.path.strip("/").split("/")[0]
        if tag != group:
            group = tag
            out.append(f"## {group.title()}\n")
        out.append(f'<a id="{ep.anchor}"></a>\n\n### {ep.title}\n')
        out.append(f"`{ep.key}` — [reference](api-reference.md#{ep.anchor})\n")
        for language, render in RENDERERS.items():
            out.append(f"{LABELS[language]}:\n")
            out.append(f"```{language} run {ep.key}\n{render(ep)}```\n")
    return "\n".join(out)


# --- the reference --------------------------------------------------------------------------


def v1_routes(app: FastAPI) -> dict[str, APIRoute]:
    routes: dict[str, APIRoute] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in context.methods or ():
                routes[f"{method} /api/v1{context.path}"] = route
    return routes


def scopes_of(route: APIRoute) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        scopes = getattr(dep.call, "required_scopes", None)
        if scopes:
            found.append(tuple(scopes))
        stack.extend(dep.dependencies)
    return found


def type_of(schema: dict[str, Any], components: dict[str, Any]) -> str:
    if "$ref" in schema:
        return "object"
    if "anyOf" in schema:
        kinds = [type_of(s, components) for s in schema["anyOf"]]
        return " or ".join(k for k in kinds if k != "null") + (
            " or null" if "null" in kinds else ""
        )
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    if schema.get("type") == "array":
        return f"array of {type_of(schema.get('items', {}), components)}"
    return str(schema.get("type", "any"))


def limits_of(schema: dict[str, Any]) -> str:
    parts = []
    for s in [schema, *schema.get("anyOf", [])]:
        if "maxLength" in s:
            parts.append(f"at most {s['maxLength']} characters")
        if "maxItems" in s:
            parts.append(f"at most {s['maxItems']} items")
    if "default" in schema and schema["default"] not in (None, [], ""):
        parts.append(f"default `{json.dumps(schema['default'])}`")
    return "; ".join(parts)


def body_rows(schema: dict[str, Any], components: dict[str, Any], prefix: str = "") -> list[str]:
    if "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    if "anyOf" in schema:  # an optional body
        schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        if "$ref" in schema:
            schema = components[schema["$ref"].split("/")[-1]]
    rows = []
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        field = prefix + name
        notes = "; ".join(
            x for x in (prop.get("description", "").rstrip("."), limits_of(prop)) if x
        )
        rows.append(
            f"| `{field}` | {type_of(prop, components)} | {'yes' if name in required else 'no'}"
            f" | {notes} |"
        )
        if "$ref" in prop:
            rows += body_rows(prop, components, prefix=field + ".")
    return rows


def reference_section(responses: dict[str, str]) -> str:
    app = create_v1_app()
    spec = app.openapi()
    components = spec["components"]["schemas"]
    routes = v1_routes(app)
    out: list[str] = []
    group = ""
    for ep in ENDPOINTS:
        tag = ep.path.strip("/").split("/")[0]
        if tag != group:
            group = tag
            out.append(f"## {group.title()}\n")
        op = spec["paths"][ep.path][ep.method.lower()]
        route = routes[ep.key]
        scopes = " and ".join(" or ".join(f"`{s}`" for s in group_) for group_ in scopes_of(route))
        status = route.status_code or 200
        if ep.key == "PUT /api/v1/customers":
            answer = "`201 Created` (new) or `200 OK` (existing)"
        else:
            answer = f"`{STATUS_TEXT.get(status, status)}`"
        out.append(f'<a id="{ep.anchor}"></a>\n\n### {ep.title}\n')
        out.append(f"`{ep.key}` · scope {scopes} · answers {answer}\n")
        if ep.notes:
            out.append(ep.notes + "\n")
        params = [p for p in op.get("parameters", []) if p["in"] == "query"]
        if params:
            out.append("| Query parameter | Type | Notes |\n|---|---|---|")
            out.append(
                "\n".join(
                    f"| `{p['name']}` | {type_of(p['schema'], components)} | "
                    + "; ".join(
                        x
                        for x in (p.get("description", "").rstrip("."), limits_of(p["schema"]))
                        if x
                    )
                    + " |"
                    for p in params
                )
                + "\n"
            )
        if "requestBody" in op:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            optional = "" if op["requestBody"].get("required") else " (optional)"
            out.append(f"| Body field{optional} | Type | Required | Notes |\n|---|---|---|---|")
            out.append("\n".join(body_rows(schema, components)) + "\n")
        if ep.method == "POST":
            out.append(
                "Send an `Idempotency-Key` header to make a retry safe "
                "([errors](errors.md#retrying-safely)).\n"
            )
        response = responses[ep.key]
        if response.strip() == "204":
            out.append("No body.\n")
        else:
            pretty = json.dumps(_redacted(json.loads(response)), indent=2, ensure_ascii=False)
            out.append(f"Response:\n\n```json response {ep.key}\n{pretty}\n```\n")
        out.append(f"[Examples in curl, Node.js and Python](examples.md#{ep.anchor})\n")
    return "\n".join(out)


def _redacted(value: Any) -> Any:
    """A real webhook secret in the docs would be a secret in the repository (and looks like
    one to secret scanners): show its form only."""
    if isinstance(value, dict):
        return {
            k: "whsec_<base64 of 32 random bytes>" if k == "secret" else _redacted(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def replace_generated(page: Path, generated: str) -> None:
    text = page.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    page.write_text(f"{head}{START}\n\n{generated}\n{END}{tail}")


def capture_responses() -> dict[str, str]:
    """Run each endpoint's Python snippet against a real server; its printed answer."""
    found: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp)) as server:
        env = {**server.env, **server.reader_env}
        # Twice: the second pass lists what the first one made, so no list is empty.
        for ep in ENDPOINTS + ENDPOINTS:
            result = subprocess.run(
                [sys.executable, "-"],
                input=python(ep),
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            found[ep.key] = result.stdout.strip().splitlines()[-1]
    return found


def main() -> None:
    replace_generated(DOCS / "examples.md", examples_section())
    replace_generated(DOCS / "api-reference.md", reference_section(capture_responses()))


if __name__ == "__main__":
    main()
