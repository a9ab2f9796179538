"""create_app(settings) -> the ASGI application: both APIs, health checks, the agent app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from tixallo import metrics
from tixallo.api.conditional import ConditionalGet
from tixallo.api.errors import install_error_handlers
from tixallo.api.external.app import create_external_app
from tixallo.api.hardening import JsonGuard
from tixallo.api.middleware import BodyGuard, RequestContext
from tixallo.api.slashes import redirect_slashes_relatively
from tixallo.api.v1.app import create_v1_app
from tixallo.auth.service import key_cache
from tixallo.config import Settings, get_settings
from tixallo.db import Database
from tixallo.docs_site.router import router as docs_router
from tixallo.ratelimit import RateLimiter, RateLimitHeaders
from tixallo.web.app import NON_PAGE_PATHS, install_web
from tixallo.web.errors import server_error_document
from tixallo.webhooks.worker import in_process_worker

API_PREFIXES = ("/api/",)


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> FastAPI:
    """Build the application. Pass ``db`` to share an engine (tests); otherwise one is made
    here (connecting lazily) and disposed at shutdown. Each server process calls this once."""
    settings = settings or get_settings()
    key_cache.ttl = settings.key_cache_seconds
    database = db or Database(settings)
    limiter = RateLimiter.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker = in_process_worker(settings, database)
        try:
            yield
        finally:
            if worker is not None:
                await worker.close()
            await limiter.close()
            if db is None:
                await database.dispose()

    app = FastAPI(
        title="Tixallo", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    install_error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        database: Database = request.state.db
        checks: dict[str, str] = {}
        try:
            async with database.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # any failure means not ready; the type is enough to report
            checks["database"] = f"unavailable ({type(exc).__name__})"
        if limiter.uses_redis:
            checks["redis"] = await limiter.check()
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint(request: Request) -> Response:
        return await metrics.render(request.state.db)

    app.mount("/api/v1", create_v1_app())
    app.mount("/api/external", create_external_app())
    if settings.bench_ceiling:
        from tixallo.bench_ceiling import install_bench_ceiling

        install_bench_ceiling(app)
    app.include_router(docs_router)
    install_web(app)
    redirect_slashes_relatively(app.router)
    app.add_middleware(ConditionalGet, prefixes=API_PREFIXES)
    app.add_middleware(JsonGuard, prefixes=API_PREFIXES)
    app.add_middleware(RateLimitHeaders, api_prefixes=API_PREFIXES)
    app.add_middleware(BodyGuard, max_bytes=settings.max_body_bytes, json_prefixes=API_PREFIXES)
    app.add_middleware(
        RequestContext,
        shared_state={"db": database, "settings": settings, "rate_limiter": limiter},
        page_error=server_error_document,
        json_prefixes=NON_PAGE_PATHS,
    )
    app.add_middleware(metrics.MetricsMiddleware)
    return app
