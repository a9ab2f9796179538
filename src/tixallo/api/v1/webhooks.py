"""/api/v1/webhooks: thin adapters over :mod:`tixallo.webhooks.service`.

The signing secret is in the answer of create and rotate_secret only. It is never stored
with an Idempotency-Key's replay: a replayed create answers the endpoint without it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.api.deps import AppSettings, ReadSession, WebhooksRead, WebhooksWrite, WriteSession
from tixallo.api.idempotency import idempotent_response
from tixallo.api.v1 import responses
from tixallo.api.v1.envelope import many, one
from tixallo.api.v1.responses import documented
from tixallo.api.v1.schemas import StrictBody
from tixallo.context import Ctx
from tixallo.pagination import Cursor, check_limit
from tixallo.webhooks import repository
from tixallo.webhooks import service as webhooks
from tixallo.webhooks.public import delivery_public, endpoint_public

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

Limit = Annotated[int | None, Query(description="1 to 100 (more is clamped); default 50.")]
CursorParam = Annotated[str | None, Query(description="next_cursor of the previous page.")]
EventList = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=20)]
PayloadFormat = Literal["tixallo", "tacohelp"]
FORMAT_HELP = (
    "tixallo: the event as this API shows it. tacohelp: {event, timestamp, data} with data in "
    "TacoHelp's documented shape (customer events are not sent). A change applies to new "
    "deliveries."
)


class WebhookCreate(StrictBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.yourapp.example/tixallo",
                    "events": ["ticket.created", "ticket.message.created"],
                    "description": "CRM sync",
                }
            ]
        }
    )

    url: str = Field(max_length=2048, description="https:// URL that receives POSTs.")
    events: EventList = Field(description="Event types, or ['*'] for all.")
    description: str = Field(default="", max_length=500)
    enabled: bool = True
    format: PayloadFormat = Field(default="tixallo", description=FORMAT_HELP)


class WebhookUpdate(StrictBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"enabled": True}]})

    url: str | None = Field(default=None, max_length=2048)
    events: EventList | None = None
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = Field(
        default=None, description="true re-enables and delivers what was kept."
    )
    format: PayloadFormat | None = Field(default=None, description=FORMAT_HELP)


async def _with_secret(
    request: Request,
    session: AsyncSession,
    ctx: Ctx,
    make: Callable[[], Awaitable[webhooks.EndpointWithSecret]],
    status_code: int,
) -> JSONResponse:
    """Run ``make`` under the Idempotency-Key, answering the secret only on the first run."""
    fresh: list[webhooks.EndpointWithSecret] = []

    async def produce() -> dict[str, Any]:
        made = await make()
        fresh.append(made)
        return one(endpoint_public(made.endpoint))

    replay = await idempotent_response(request, session, ctx, produce, status_code=status_code)
    if not fresh:
        return replay
    made = fresh[0]
    return JSONResponse(
        one(endpoint_public(made.endpoint, secret=made.secret)), status_code=status_code
    )


@router.get("", summary="List webhooks", **documented(responses.WebhookList))
async def list_webhooks(
    ctx: WebhooksRead, session: ReadSession, limit: Limit = None, cursor: CursorParam = None
) -> dict[str, Any]:
    page = await repository.list_endpoints(
        session, ctx, limit=check_limit(limit), cursor=Cursor.decode(cursor) if cursor else None
    )
    return many(page, endpoint_public)


@router.post(
    "",
    status_code=201,
    summary="Create a webhook (answers its secret, once)",
    **documented(responses.WebhookSecretResponse, 201),
)
async def create_webhook(
    body: WebhookCreate,
    ctx: WebhooksWrite,
    session: WriteSession,
    request: Request,
    settings: AppSettings,
) -> JSONResponse:
    data = webhooks.EndpointCreate(
        url=body.url,
        events=body.events,
        description=body.description,
        enabled=body.enabled,
        format=body.format,
    )

    async def make() -> webhooks.EndpointWithSecret:
        return await webhooks.create_endpoint(
            session,
            ctx,
            data,
            allow_private=settings.webhook_allow_private,
            secret_key=settings.secret_key,
        )

    return await _with_secret(request, session, ctx, make, 201)


@router.get("/{webhook_id}", summary="Get a webhook", **documented(responses.WebhookResponse))
async def get_webhook(webhook_id: str, ctx: WebhooksRead, session: ReadSession) -> dict[str, Any]:
    return one(endpoint_public(await webhooks.get_endpoint(session, ctx, webhook_id)))


@router.patch("/{webhook_id}", summary="Update a webhook", **documented(responses.WebhookResponse))
async def update_webhook(
    webhook_id: str,
    body: WebhookUpdate,
    ctx: WebhooksWrite,
    session: WriteSession,
    settings: AppSettings,
) -> dict[str, Any]:
    data = webhooks.EndpointUpdate(
        url=body.url,
        events=body.events,
        description=body.description,
        enabled=body.enabled,
        format=body.format,
    )
    endpoint = await webhooks.update_endpoint(
        session, ctx, webhook_id, data, allow_private=settings.webhook_allow_private
    )
    return one(endpoint_public(endpoint))


@router.delete("/{webhook_id}", status_code=204, summary="Delete a webhook")
async def delete_webhook(webhook_id: str, ctx: WebhooksWrite, session: WriteSession) -> Response:
    await webhooks.delete_endpoint(session, ctx, webhook_id)
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/rotate_secret",
    summary="Replace the signing secret",
    **documented(responses.WebhookSecretResponse),
)
async def rotate_secret(
    webhook_id: str,
    ctx: WebhooksWrite,
    session: WriteSession,
    request: Request,
    settings: AppSettings,
) -> JSONResponse:
    async def make() -> webhooks.EndpointWithSecret:
        return await webhooks.rotate_secret(
            session, ctx, webhook_id, secret_key=settings.secret_key
        )

    return await _with_secret(request, session, ctx, make, 200)


@router.post(
    "/{webhook_id}/enable",
    summary="Re-enable; delivers the events kept meanwhile",
    **documented(responses.WebhookResponse),
)
async def enable_webhook(
    webhook_id: str, ctx: WebhooksWrite, session: WriteSession, request: Request
) -> JSONResponse:
    async def produce() -> dict[str, Any]:
        return one(endpoint_public(await webhooks.enable_endpoint(session, ctx, webhook_id)))

    return await idempotent_response(request, session, ctx, produce, status_code=200)


@router.get(
    "/{webhook_id}/deliveries",
    summary="List deliveries with their attempts",
    **documented(responses.DeliveryList),
)
async def list_deliveries(
    webhook_id: str,
    ctx: WebhooksRead,
    session: ReadSession,
    limit: Limit = None,
    cursor: CursorParam = None,
    status: Literal["pending", "succeeded", "failed"] | None = None,
) -> dict[str, Any]:
    """Newest first; each delivery carries every attempt (time, status code or error,
    duration)."""
    await webhooks.get_endpoint(session, ctx, webhook_id)
    page = await repository.list_deliveries(
        session,
        ctx,
        webhook_id,
        limit=check_limit(limit),
        cursor=Cursor.decode(cursor) if cursor else None,
        status=status,
    )
    attempts = await repository.attempts_by_delivery(session, ctx, [d.id for d in page.items])
    return many(page, lambda d: delivery_public(d, attempts.get(d.id, [])))


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    summary="Send a delivery again",
    **documented(responses.DeliveryResponse, 202),
)
async def redeliver(
    webhook_id: str,
    delivery_id: str,
    ctx: WebhooksWrite,
    session: WriteSession,
    request: Request,
) -> JSONResponse:
    async def produce() -> dict[str, Any]:
        delivery = await webhooks.redeliver(session, ctx, webhook_id, delivery_id)
        found = await repository.attempts_by_delivery(session, ctx, [delivery.id])
        return one(delivery_public(delivery, found.get(delivery.id, [])))

    return await idempotent_response(request, session, ctx, produce, status_code=202)
