"""Tenant reads of webhook endpoints and deliveries; each starts from ``*_of(ctx)``."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.context import Ctx
from tixallo.pagination import Cursor, Page, page_from
from tixallo.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoints_of(ctx: Ctx) -> Select[WebhookEndpoint]:
    return select(WebhookEndpoint).where(WebhookEndpoint.workspace_id == ctx.workspace_id)


def deliveries_of(ctx: Ctx) -> Select[WebhookDelivery]:
    return select(WebhookDelivery).where(WebhookDelivery.workspace_id == ctx.workspace_id)


async def get_endpoint(session: AsyncSession, ctx: Ctx, endpoint_id: str) -> WebhookEndpoint | None:
    result = await session.execute(endpoints_of(ctx).where(WebhookEndpoint.id == endpoint_id))
    return result.scalar_one_or_none()


async def list_endpoints(
    session: AsyncSession, ctx: Ctx, *, limit: int, cursor: Cursor | None
) -> Page[WebhookEndpoint]:
    stmt = endpoints_of(ctx)
    if cursor is not None:
        stmt = stmt.where(
            or_(
                WebhookEndpoint.created_at > cursor.at,
                and_(WebhookEndpoint.created_at == cursor.at, WebhookEndpoint.id > cursor.id),
            )
        )
    stmt = stmt.order_by(WebhookEndpoint.created_at, WebhookEndpoint.id).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars())
    return page_from(rows, limit, lambda e: Cursor(e.created_at, e.id))


async def get_delivery(
    session: AsyncSession, ctx: Ctx, endpoint_id: str, delivery_id: str
) -> WebhookDelivery | None:
    stmt = deliveries_of(ctx).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.id == delivery_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_deliveries(
    session: AsyncSession,
    ctx: Ctx,
    endpoint_id: str,
    *,
    limit: int,
    cursor: Cursor | None,
    status: str | None,
) -> Page[WebhookDelivery]:
    """Newest first."""
    stmt = deliveries_of(ctx).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    if cursor is not None:
        stmt = stmt.where(
            or_(
                WebhookDelivery.created_at < cursor.at,
                and_(WebhookDelivery.created_at == cursor.at, WebhookDelivery.id < cursor.id),
            )
        )
    stmt = stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    rows = list((await session.execute(stmt.limit(limit + 1))).scalars())
    return page_from(rows, limit, lambda d: Cursor(d.created_at, d.id))


async def attempts_by_delivery(
    session: AsyncSession, ctx: Ctx, delivery_ids: list[str]
) -> dict[str, list[WebhookAttempt]]:
    """Attempts of several deliveries in one query, oldest first."""
    found: dict[str, list[WebhookAttempt]] = defaultdict(list)
    if not delivery_ids:
        return found
    stmt = (
        select(WebhookAttempt)
        .where(
            WebhookAttempt.workspace_id == ctx.workspace_id,
            WebhookAttempt.delivery_id.in_(delivery_ids),
        )
        .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
    )
    for attempt in (await session.execute(stmt)).scalars():
        found[attempt.delivery_id].append(attempt)
    return found
