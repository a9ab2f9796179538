"""Customers and companies (list with search, detail with their tickets); the dashboard."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tixallo.customers import repository as customers_repo
from tixallo.errors import NotFound
from tixallo.tickets import repository as tickets_repo
from tixallo.tickets.repository import TicketFilters
from tixallo.web.dashboard import build_dashboard
from tixallo.web.deps import CurrentAgent, db_of
from tixallo.web.params import PageParams
from tixallo.web.templating import render

router = APIRouter()

PAGE_SIZE = 50


def _next_url(path: str, query: str | None, next_cursor: str | None) -> str | None:
    if not next_cursor:
        return None
    params = {"cursor": next_cursor, **({"q": query} if query else {})}
    return f"{path}?{urlencode(params)}"


@router.get("/customers")
async def customers(request: Request, agent: CurrentAgent, paging: PageParams) -> Response:
    query, cursor = paging.query, paging.cursor
    async with db_of(request).transaction(write=False) as session:
        page = await customers_repo.list_customers(
            session, agent.ctx, query=query, limit=PAGE_SIZE, cursor=cursor
        )
    return render(
        request,
        "customers.html",
        agent=agent,
        page=page,
        q=query or "",
        next_url=_next_url("/customers", query, page.next_cursor),
    )


@router.get("/customers/{customer_id}")
async def customer(request: Request, customer_id: str, agent: CurrentAgent) -> Response:
    async with db_of(request).transaction(write=False) as session:
        found = await customers_repo.get_customer(session, agent.ctx, customer_id)
        if found is None:
            raise NotFound("customer", customer_id)
        tickets = await tickets_repo.list_queue(
            session,
            agent.ctx,
            TicketFilters(customer_id=customer_id),
            statuses=None,
            query=None,
            limit=100,
            cursor=None,
        )
    return render(
        request,
        "customer.html",
        agent=agent,
        customer=found[0],
        company=found[1],
        tickets=tickets,
    )


@router.get("/companies")
async def companies(request: Request, agent: CurrentAgent, paging: PageParams) -> Response:
    query, cursor = paging.query, paging.cursor
    async with db_of(request).transaction(write=False) as session:
        page = await customers_repo.list_companies(
            session, agent.ctx, query=query, limit=PAGE_SIZE, cursor=cursor
        )
    return render(
        request,
        "companies.html",
        agent=agent,
        page=page,
        q=query or "",
        next_url=_next_url("/companies", query, page.next_cursor),
    )


@router.get("/companies/{company_id}")
async def company(request: Request, company_id: str, agent: CurrentAgent) -> Response:
    async with db_of(request).transaction(write=False) as session:
        found = await customers_repo.get_company(session, agent.ctx, company_id)
        if found is None:
            raise NotFound("company", company_id)
        people = await customers_repo.list_company_customers(session, agent.ctx, company_id)
        tickets = await tickets_repo.list_queue(
            session,
            agent.ctx,
            TicketFilters(),
            statuses=None,
            query=None,
            company_id=company_id,
            limit=100,
            cursor=None,
        )
    return render(
        request, "company.html", agent=agent, company=found, people=people, tickets=tickets
    )


@router.get("/dashboard")
async def dashboard(request: Request, agent: CurrentAgent) -> Response:
    async with db_of(request).transaction(write=False) as session:
        figures = await build_dashboard(session, agent.ctx)
    top = max([1, *figures.open_by_status.values(), *figures.open_by_priority.values()])
    return render(request, "dashboard.html", agent=agent, d=figures, top=top)
