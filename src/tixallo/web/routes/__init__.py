"""The agent app's pages, one module per area."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from tixallo.web.deps import check_url
from tixallo.web.routes import auth, chat, customers, live, settings, tickets, webhooks

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_url)])
router.include_router(auth.router)
router.include_router(tickets.router)
router.include_router(settings.router)
router.include_router(customers.router)
router.include_router(live.router)
router.include_router(chat.router)
router.include_router(webhooks.router)
