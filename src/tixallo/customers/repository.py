"""Customer and company queries; every tenant read starts from ``*_of(ctx)``."""

from __future__ import annotations

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.context import Ctx
from tixallo.customers.models import Company, Customer
from tixallo.db import contains_pattern
from tixallo.pagination import Cursor, Page, page_from


def customers_of(ctx: Ctx) -> Select[Customer, Company]:
    return (
        select(Customer, Company)
        .outerjoin(Company, Company.id == Customer.company_id)
        .where(Customer.workspace_id == ctx.workspace_id)
    )


def customer_rows_of(ctx: Ctx) -> Select[Customer]:
    """Customers alone, without the company join of :func:`customers_of`."""
    return select(Customer).where(Customer.workspace_id == ctx.workspace_id)


def companies_of(ctx: Ctx) -> Select[Company]:
    return select(Company).where(Company.workspace_id == ctx.workspace_id)


async def get_customer(
    session: AsyncSession, ctx: Ctx, customer_id: str
) -> tuple[Customer, Company | None] | None:
    row = (await session.execute(customers_of(ctx).where(Customer.id == customer_id))).first()
    return (row[0], row[1]) if row else None


async def get_customer_by_email(
    session: AsyncSession, ctx: Ctx, email: str
) -> tuple[Customer, Company | None] | None:
    row = (await session.execute(customers_of(ctx).where(Customer.email == email))).first()
    return (row[0], row[1]) if row else None


async def get_company(session: AsyncSession, ctx: Ctx, company_id: str) -> Company | None:
    return (await session.execute(companies_of(ctx).where(Company.id == company_id))).scalar()


async def list_customers(
    session: AsyncSession,
    ctx: Ctx,
    *,
    limit: int,
    cursor: Cursor | None,
    email: str | None = None,
    company_id: str | None = None,
    query: str | None = None,
) -> Page[tuple[Customer, Company | None]]:
    """Newest first; ``query`` matches name or email (case-insensitive substring)."""
    stmt = customers_of(ctx)
    if query:
        pattern = contains_pattern(query)
        stmt = stmt.where(
            func.lower(Customer.name).like(pattern, escape="\\")
            | func.lower(Customer.email).like(pattern, escape="\\")
        )
    if email is not None:
        stmt = stmt.where(Customer.email == email)
    if company_id is not None:
        stmt = stmt.where(Customer.company_id == company_id)
    if cursor is not None:
        stmt = stmt.where(tuple_(Customer.created_at, Customer.id) < (cursor.at, cursor.id))
    stmt = stmt.order_by(Customer.created_at.desc(), Customer.id.desc()).limit(limit + 1)
    rows: list[tuple[Customer, Company | None]] = [
        (r[0], r[1]) for r in (await session.execute(stmt)).all()
    ]
    return page_from(rows, limit, lambda row: Cursor(row[0].created_at, row[0].id))


async def list_companies(
    session: AsyncSession, ctx: Ctx, *, limit: int, cursor: Cursor | None, query: str | None = None
) -> Page[Company]:
    """Newest first; ``query`` matches name or domain (case-insensitive substring)."""
    stmt = companies_of(ctx)
    if query:
        pattern = contains_pattern(query)
        stmt = stmt.where(
            func.lower(Company.name).like(pattern, escape="\\")
            | func.lower(Company.domain).like(pattern, escape="\\")
        )
    if cursor is not None:
        stmt = stmt.where(tuple_(Company.created_at, Company.id) < (cursor.at, cursor.id))
    stmt = stmt.order_by(Company.created_at.desc(), Company.id.desc()).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars())
    return page_from(rows, limit, lambda company: Cursor(company.created_at, company.id))


# --- used by the agent app -----------------------------------------------------------------


async def list_company_customers(
    session: AsyncSession, ctx: Ctx, company_id: str, *, limit: int = 100
) -> list[Customer]:
    stmt = (
        customer_rows_of(ctx)
        .where(Customer.company_id == company_id)
        .order_by(Customer.name, Customer.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def get_customers_by_ids(
    session: AsyncSession, ctx: Ctx, customer_ids: set[str]
) -> dict[str, Customer]:
    if not customer_ids:
        return {}
    stmt = customer_rows_of(ctx).where(Customer.id.in_(customer_ids))
    return {c.id: c for c in (await session.execute(stmt)).scalars()}
