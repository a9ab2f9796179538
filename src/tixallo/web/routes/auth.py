"""Sign in, sign up, sign out, switch workspace, change password, accept an invite."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from tixallo import ratelimit
from tixallo.config import Settings
from tixallo.errors import Invalid, NotFound, TixalloError
from tixallo.web import sessions
from tixallo.web.deps import (
    CurrentAgent,
    check_pre_signin_csrf,
    db_of,
    field,
    form_of,
    is_https,
    safe_next,
)
from tixallo.web.sessions import COOKIE, LIFETIME, PRE_COOKIE
from tixallo.web.templating import render
from tixallo.workspaces import invites
from tixallo.workspaces import service as workspaces

router = APIRouter()

THROTTLED = "Too many failed attempts. Wait a few minutes, then try again."


def _settings(request: Request) -> Settings:
    settings: Settings = request.state.settings
    return settings


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def anonymous_page(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> Response:
    """A page shown before sign-in, with the double-submit CSRF cookie (made if missing)."""
    token = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, template, status_code=status_code, csrf=token, **context)
    response.set_cookie(
        PRE_COOKIE, token, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )
    return response


async def _signed_in(
    request: Request, user_id: str, workspace_id: str | None, target: str
) -> Response:
    """Start a fresh session (a new id; the one the browser had before is ended)."""
    async with db_of(request).transaction() as session:
        await sessions.end_session(session, request.cookies.get(COOKIE))
        signed = await sessions.start_session(session, user_id, workspace_id)
    response = RedirectResponse(safe_next(target), status_code=303)
    set_session_cookie(request, response, signed.token)
    return response


@router.get("/signin")
async def signin_form(request: Request, next: str = "/", signed_up: str = "") -> Response:
    return anonymous_page(
        request,
        "signin.html",
        next=safe_next(next),
        signup=_settings(request).signup,
        signed_up=bool(signed_up),
    )


@router.post("/signin")
async def signin(request: Request) -> Response:
    await check_pre_signin_csrf(request)
    form = await form_of(request)
    email, password = field(form, "email"), field(form, "password")
    target = safe_next(field(form, "next"))

    def again(message: str, status: int) -> Response:
        return anonymous_page(
            request,
            "signin.html",
            status_code=status,
            error=message,
            email=email,
            next=target,
            signup=_settings(request).signup,
        )

    if not await ratelimit.sign_in_allowed(request, email):
        return again(THROTTLED, 429)
    async with db_of(request).transaction(write=False) as session:
        user = await workspaces.check_sign_in(session, email, password)
        memberships = await sessions.memberships_of(session, user.id) if user else []
    if user is None:
        await ratelimit.record_failed_sign_in(request, email)
        return again("That email and password do not match an account.", 400)
    if not memberships:
        return again("This account does not belong to any workspace any more.", 400)
    return await _signed_in(request, user.id, memberships[0][1].id, target)


@router.get("/signup")
async def signup_form(request: Request) -> Response:
    if not _settings(request).signup:
        raise NotFound("page")
    return anonymous_page(request, "signup.html", values={})


#: Where every accepted sign-up goes, whether or not the email already had an account.
SIGNED_UP = "/signin?signed_up=1"


@router.post("/signup")
async def signup(request: Request) -> Response:
    """One answer for every accepted sign-up (a redirect to the sign-in form, no session):
    a new account, an existing account with its password (a workspace is added) and an
    existing account with another password (nothing changes) look the same, so the form
    does not tell who has an account. Each attempt spends one of the account's and the
    address's sign-in budget, for the same reason: a count of failures only would tell."""
    if not _settings(request).signup:
        raise NotFound("page")
    await check_pre_signin_csrf(request)
    form = await form_of(request)
    values = {k: field(form, k) for k in ("workspace", "name", "email")}
    if not await ratelimit.sign_in_allowed(request, values["email"]):
        return anonymous_page(
            request, "signup.html", status_code=429, error=THROTTLED, values=values
        )
    await ratelimit.record_failed_sign_in(request, values["email"])
    try:
        async with db_of(request).transaction() as session:
            await workspaces.sign_up(
                session,
                name=values["workspace"],
                email=values["email"],
                password=field(form, "password"),
                admin_name=values["name"] or None,
            )
    except TixalloError as exc:
        return anonymous_page(
            request, "signup.html", status_code=400, error=exc.message, values=values
        )
    return RedirectResponse(SIGNED_UP, status_code=303)


@router.post("/signout")
async def signout(request: Request, agent: CurrentAgent) -> Response:
    async with db_of(request).transaction() as session:
        await sessions.end_session(session, request.cookies.get(COOKIE))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/switch")
async def switch_workspace(request: Request, agent: CurrentAgent) -> Response:
    workspace_id = field(await form_of(request), "workspace_id")
    if workspace_id not in {w.id for _, w in agent.memberships}:
        raise NotFound("workspace", workspace_id)
    async with db_of(request).transaction() as session:
        await sessions.set_workspace(session, agent.session, workspace_id)
    return RedirectResponse("/", status_code=303)


@router.get("/account")
async def account(request: Request, agent: CurrentAgent) -> Response:
    return render(request, "account.html", agent=agent, signup_enabled=_settings(request).signup)


@router.post("/account/password")
async def change_password(request: Request, agent: CurrentAgent) -> Response:
    """Every session of this person ends; this browser gets a fresh one. A wrong current
    password spends the account's sign-in budget: a stolen session must not become a
    way to guess the password at speed."""
    form = await form_of(request)
    email = agent.user.email
    if not await ratelimit.sign_in_allowed(request, email):
        return render(request, "account.html", agent=agent, status_code=429, error=THROTTLED)
    try:
        async with db_of(request).transaction() as session:
            user = await session.merge(agent.user)
            await workspaces.change_password(
                session,
                user,
                current=field(form, "current_password"),
                new=field(form, "new_password"),
            )
            await sessions.end_user_sessions(session, user.id)
            signed = await sessions.start_session(session, user.id, agent.workspace.id)
            await sessions.set_flash(
                session, signed.session, "Password changed. Other sessions were signed out."
            )
    except Invalid as exc:
        if exc.param == "current_password":
            await ratelimit.record_failed_sign_in(request, email)
        return render(request, "account.html", agent=agent, status_code=400, error=exc.message)
    response = RedirectResponse("/account", status_code=303)
    set_session_cookie(request, response, signed.token)
    return response


@router.get("/invite/{token}")
async def invite_form(request: Request, token: str) -> Response:
    async with db_of(request).transaction(write=False) as session:
        invite, workspace, has_account = await invites.find_invite(session, token)
    return anonymous_page(
        request, "invite.html", invite=invite, workspace=workspace, has_account=has_account
    )


@router.post("/invite/{token}")
async def accept_invite(request: Request, token: str) -> Response:
    await check_pre_signin_csrf(request)
    form = await form_of(request)
    async with db_of(request).transaction(write=False) as session:
        invite, workspace, has_account = await invites.find_invite(session, token)
    if not await ratelimit.sign_in_allowed(request, invite.email):
        return anonymous_page(
            request,
            "invite.html",
            status_code=429,
            error=THROTTLED,
            invite=invite,
            workspace=workspace,
            has_account=has_account,
        )
    try:
        async with db_of(request).transaction() as session:
            member, user = await invites.accept_invite(
                session, token, name=field(form, "name"), password=field(form, "password")
            )
    except Invalid as exc:
        if has_account:
            await ratelimit.record_failed_sign_in(request, invite.email)
        return anonymous_page(
            request,
            "invite.html",
            status_code=400,
            error=exc.message,
            invite=invite,
            workspace=workspace,
            has_account=has_account,
        )
    return await _signed_in(request, user.id, member.workspace_id, "/")
