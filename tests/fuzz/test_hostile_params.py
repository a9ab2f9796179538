"""Hostile values in every parameter of every GET route: no 5xx, ever.

The routes come from the application's route table (both APIs and the app's pages), and the
parameters from what each route declares (query and path, through its dependencies), so a
route or parameter added later is probed without anyone listing it. Each parameter gets each
value of tests/support/hostile.py: naive and overflowing datetimes, integers beyond every
column type or in non-ASCII digits, forged cursors, NUL and very long strings. A refusal
from the APIs names the parameter it refuses.

Runs against a real server process on SQLite and PostgreSQL (tests/fuzz/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

from tests.support import hostile
from tests.support.fuzz import FuzzTarget
from tests.support.resources import make_resources
from tests.support.tenants import Tenant
from tests.support.web import PASSWORD, csrf_of
from tixallo.app import create_app
from tixallo.config import Settings
from tixallo.context import Ctx


@dataclass(frozen=True)
class GetRoute:
    path: str
    query: tuple[str, ...]
    path_params: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")


def _declared(route: APIRoute, path: str) -> GetRoute:
    """The query and path parameters a route declares, its dependencies' included."""
    query: set[str] = set()
    path_params: set[str] = set()
    stack: list[Dependant] = [route.dependant]
    while stack:
        dependant = stack.pop()
        query.update(p.alias for p in dependant.query_params)
        path_params.update(p.alias for p in dependant.path_params)
        stack.extend(dependant.dependencies)
    return GetRoute(path, tuple(sorted(query)), tuple(sorted(path_params)))


def get_routes(app: FastAPI) -> Iterator[GetRoute]:
    """Every GET route of the mounted APIs and of the app's pages."""
    for entry in app.routes:
        if isinstance(entry, Mount) and entry.path.startswith("/api"):
            assert isinstance(entry.app, FastAPI)
            for context in iter_route_contexts(entry.app.routes):
                route = context.original_route
                if isinstance(route, APIRoute) and "GET" in (context.methods or ()):
                    yield _declared(route, entry.path + str(context.path))
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if (
            isinstance(route, APIRoute)
            and route.endpoint.__module__.startswith("tixallo.web.")
            and "GET" in (context.methods or ())
        ):
            yield _declared(route, str(context.path))


@pytest.fixture(scope="module")
def ids(fuzz_target: FuzzTarget) -> dict[str, str]:
    """Real ids for path parameters, so a hostile query value reaches the route's code."""
    workspace = fuzz_target.workspace
    tenant = Tenant(workspace, fuzz_target.key, Ctx(workspace_id=workspace.workspace.id))
    return fuzz_target.loop.run_until_complete(make_resources(fuzz_target.database, tenant))


def signed_in(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=10)
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={
            "csrf": csrf_of(page.text),
            "email": "fuzz-owner@example.com",
            "password": PASSWORD,
            "next": "/",
        },
    )
    assert response.status_code == 303, response.text
    return client


def fill(route: GetRoute, ids: dict[str, str], hostile_param: str | None, value: str) -> str:
    path = route.path
    for name in route.path_params:
        given = value if name == hostile_param else ids.get(name, "none")
        path = path.replace("{" + name + "}", quote(given, safe=""))
    return path


def probe(
    client: httpx.Client, route: GetRoute, url: str, params: dict[str, str], headers: dict[str, str]
) -> tuple[int, str]:
    # /live streams: its status line is enough (the stream is not read).
    with client.stream("GET", url, params=params, headers=headers) as response:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return response.status_code, ""
        response.read()
        return response.status_code, response.text


def check(route: GetRoute, param: str, value: str, status: int, text: str) -> None:
    where = f"GET {route.path} {param}={value[:60]!r}"
    assert status < 500, f"{where}: {status} {text[:300]}"
    if route.is_api and status == 400 and text.startswith("{"):
        named = httpx.Response(400, text=text).json()["error"]["param"]
        # None only for what the URL guard refuses before any route runs (a NUL).
        assert named in (param, None), f"{where}: the 400 names {named!r}"
        if named is None:
            assert "\x00" in value, f"{where}: the 400 names no parameter: {text[:300]}"


def test_no_hostile_parameter_value_is_a_server_error(
    fuzz_target: FuzzTarget, ids: dict[str, str]
) -> None:
    database = fuzz_target.database
    settings = Settings(database_url=database.engine.url.render_as_string(hide_password=False))
    routes = list(get_routes(create_app(settings, db=database)))
    assert len(routes) >= 30, [r.path for r in routes]
    probed: set[str] = set()
    api = httpx.Client(base_url=fuzz_target.server.base_url, timeout=10)
    app = signed_in(fuzz_target.server.base_url)
    calls: list[tuple[GetRoute, str, str, str, dict[str, str]]] = []
    for route in routes:
        for param in route.query:
            calls += [
                (route, param, v, fill(route, ids, None, ""), {param: v}) for v in hostile.ALL
            ]
        for param in route.path_params:
            calls += [(route, param, v, fill(route, ids, param, v), {}) for v in hostile.ALL]
        probed.update(route.query, route.path_params)

    def call(item: tuple[GetRoute, str, str, str, dict[str, str]]) -> None:
        route, param, value, url, params = item
        client, headers = (api, fuzz_target.headers) if route.is_api else (app, {})
        status, text = probe(client, route, url, params, headers)
        check(route, param, value, status, text)

    try:
        # Reads only, independent of each other: a few at a time keeps the test fast.
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(call, calls))
    finally:
        api.close()
        app.close()
    # The parameters the issue named are among those found in the route table.
    assert {"cursor", "after", "updated_since", "since", "limit", "offset"} <= probed
