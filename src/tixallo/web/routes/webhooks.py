"""Settings → Webhooks (owners and admins): create with chosen events (the secret shown
once), edit, disable/enable, rotate the secret, send a test event, the delivery log with each
attempt and a redeliver button, and the circuit breaker's state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from tixallo.config import Settings
from tixallo.errors import NotFound, TixalloError
from tixallo.events.service import EVENT_TYPES
from tixallo.web import sessions
from tixallo.web.deps import AdminAgent, db_of, field, form_of
from tixallo.web.sessions import Agent
from tixallo.web.templating import render
from tixallo.web.webhook_ping import send_test_event
from tixallo.webhooks import repository as webhooks_repo
from tixallo.webhooks import service as webhooks
from tixallo.webhooks.models import FORMATS, TIXALLO

router = APIRouter(prefix="/settings/webhooks")

DELIVERIES_SHOWN = 50


def _settings(request: Request) -> Settings:
    settings: Settings = request.state.settings
    return settings


async def _flash(request: Request, agent: Agent, message: str, target: str) -> Response:
    async with db_of(request).transaction() as session:
        await sessions.set_flash(session, agent.session, message)
    return RedirectResponse(target, status_code=303)


async def _list_page(
    request: Request, agent: Agent, *, status_code: int = 200, **extra: Any
) -> Response:
    async with db_of(request).transaction(write=False) as session:
        page = await webhooks_repo.list_endpoints(session, agent.ctx, limit=100, cursor=None)
    return render(
        request,
        "settings/webhooks.html",
        agent=agent,
        status_code=status_code,
        endpoints=page.items,
        event_types=EVENT_TYPES,
        formats=FORMATS,
        threshold=_settings(request).webhook_breaker_threshold,
        **extra,
    )


async def _detail_page(
    request: Request, agent: Agent, webhook_id: str, *, status_code: int = 200, **extra: Any
) -> Response:
    async with db_of(request).transaction(write=False) as session:
        endpoint = await webhooks.get_endpoint(session, agent.ctx, webhook_id)
        deliveries = await webhooks_repo.list_deliveries(
            session, agent.ctx, webhook_id, limit=DELIVERIES_SHOWN, cursor=None, status=None
        )
        attempts = await webhooks_repo.attempts_by_delivery(
            session, agent.ctx, [d.id for d in deliveries.items]
        )
    return render(
        request,
        "settings/webhook.html",
        agent=agent,
        status_code=status_code,
        endpoint=endpoint,
        deliveries=deliveries.items,
        attempts=attempts,
        event_types=EVENT_TYPES,
        formats=FORMATS,
        threshold=_settings(request).webhook_breaker_threshold,
        **extra,
    )


def _events(form: Any) -> list[str]:
    return [e for e in form.getlist("events") if isinstance(e, str)]


@router.get("")
async def list_webhooks(request: Request, agent: AdminAgent) -> Response:
    return await _list_page(request, agent)


@router.post("")
async def create_webhook(request: Request, agent: AdminAgent) -> Response:
    """The signing secret is in this response only."""
    form = await form_of(request)
    settings = _settings(request)
    data = webhooks.EndpointCreate(
        url=field(form, "url").strip(),
        events=_events(form),
        description=field(form, "description"),
        format=field(form, "format", TIXALLO),
    )
    try:
        async with db_of(request).transaction() as session:
            created = await webhooks.create_endpoint(
                session,
                agent.ctx,
                data,
                allow_private=settings.webhook_allow_private,
                secret_key=settings.secret_key,
            )
    except TixalloError as exc:
        return await _list_page(
            request,
            agent,
            status_code=400,
            error=exc.message,
            form_url=data.url,
            form_format=data.format if data.format in FORMATS else None,
        )
    return await _detail_page(request, agent, created.endpoint.id, new_secret=created.secret)


@router.get("/{webhook_id}")
async def webhook_detail(request: Request, webhook_id: str, agent: AdminAgent) -> Response:
    return await _detail_page(request, agent, webhook_id)


@router.post("/{webhook_id}")
async def update_webhook(request: Request, webhook_id: str, agent: AdminAgent) -> Response:
    form = await form_of(request)
    data = webhooks.EndpointUpdate(
        url=field(form, "url").strip(),
        events=_events(form),
        description=field(form, "description"),
        format=field(form, "format") or None,
    )
    try:
        async with db_of(request).transaction() as session:
            await webhooks.update_endpoint(
                session,
                agent.ctx,
                webhook_id,
                data,
                allow_private=_settings(request).webhook_allow_private,
            )
    except NotFound:
        raise
    except TixalloError as exc:
        return await _detail_page(request, agent, webhook_id, status_code=400, error=exc.message)
    return await _flash(request, agent, "Webhook saved.", f"/settings/webhooks/{webhook_id}")


@router.post("/{webhook_id}/enabled")
async def set_enabled(request: Request, webhook_id: str, agent: AdminAgent) -> Response:
    enable = field(await form_of(request), "enabled") == "true"
    async with db_of(request).transaction() as session:
        await webhooks.update_endpoint(
            session,
            agent.ctx,
            webhook_id,
            webhooks.EndpointUpdate(enabled=enable),
            allow_private=_settings(request).webhook_allow_private,
        )
    message = (
        "Webhook enabled; events kept meanwhile are being delivered."
        if enable
        else "Webhook disabled; its events are kept until it is enabled."
    )
    return await _flash(request, agent, message, f"/settings/webhooks/{webhook_id}")


@router.post("/{webhook_id}/rotate")
async def rotate(request: Request, webhook_id: str, agent: AdminAgent) -> Response:
    async with db_of(request).transaction() as session:
        rotated = await webhooks.rotate_secret(
            session, agent.ctx, webhook_id, secret_key=_settings(request).secret_key
        )
    return await _detail_page(request, agent, webhook_id, new_secret=rotated.secret)


@router.post("/{webhook_id}/test")
async def send_test(request: Request, webhook_id: str, agent: AdminAgent) -> Response:
    settings = _settings(request)
    async with db_of(request).transaction(write=False) as session:
        outcome = await send_test_event(
            session,
            agent.ctx,
            webhook_id,
            secret_key=settings.secret_key,
            allow_private=settings.webhook_allow_private,
            timeout=settings.webhook_timeout_seconds,
        )
    return await _detail_page(request, agent, webhook_id, test_outcome=outcome)


@router.post("/{webhook_id}/delete")
async def delete(request: Request, webhook_id: str, agent: AdminAgent) -> Response:
    async with db_of(request).transaction() as session:
        await webhooks.delete_endpoint(session, agent.ctx, webhook_id)
    return await _flash(request, agent, "Webhook deleted.", "/settings/webhooks")


@router.post("/{webhook_id}/deliveries/{delivery_id}/redeliver")
async def redeliver(
    request: Request, webhook_id: str, delivery_id: str, agent: AdminAgent
) -> Response:
    async with db_of(request).transaction() as session:
        await webhooks.redeliver(session, agent.ctx, webhook_id, delivery_id)
    return await _flash(
        request, agent, "Delivery queued again.", f"/settings/webhooks/{webhook_id}"
    )
