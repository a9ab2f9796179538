"""Customers are resolved by email; a new one joins the company of its email domain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.context import Ctx
from tixallo.customers import repository
from tixallo.customers.models import Company, Customer
from tixallo.customers.public import customer_public
from tixallo.db import insert_ignoring_conflict
from tixallo.errors import NotFound
from tixallo.events.service import record_event
from tixallo.validation import MAX_NAME, check_email, check_text

# Addresses at these domains belong to people, not to a company.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "ymail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "zoho.com",
        "fastmail.com",
        "hey.com",
        "qq.com",
        "163.com",
        "126.com",
        "tutanota.com",
        "duck.com",
    }
)


@dataclass(frozen=True, slots=True)
class ResolvedCustomer:
    customer: Customer
    company: Company | None
    created: bool


def company_name_for(domain: str) -> str:
    label = domain.split(".")[0]
    return label.replace("-", " ").title()


async def _company_for_domain(session: AsyncSession, ctx: Ctx, domain: str) -> Company | None:
    if domain in FREE_MAIL_DOMAINS:
        return None
    now = clock.now()
    await session.execute(
        insert_ignoring_conflict(
            session,
            Company.__table__,
            {
                "id": ids.new_id("com"),
                "workspace_id": ctx.workspace_id,
                "name": company_name_for(domain),
                "domain": domain,
                "created_at": now,
                "updated_at": now,
            },
            ["workspace_id", "domain"],
        )
    )
    stmt = repository.companies_of(ctx).where(Company.domain == domain)
    return (await session.execute(stmt)).scalar_one()


async def resolve_customer(
    session: AsyncSession,
    ctx: Ctx,
    *,
    email: str,
    name: str | None = None,
    param: str = "customer.email",
) -> ResolvedCustomer:
    """Find the customer with this email (case-insensitive) or create it, safely under
    concurrent requests. An existing customer's name is left as it is."""
    email = check_email(email, param=param)
    clean_name = check_text(name, param="name", max_length=MAX_NAME) if name is not None else None
    existing = await repository.get_customer_by_email(session, ctx, email)
    if existing is not None:
        return ResolvedCustomer(existing[0], existing[1], created=False)
    company = await _company_for_domain(session, ctx, email.split("@", 1)[1])
    now = clock.now()
    new_id = ids.new_id("cus")
    await session.execute(
        insert_ignoring_conflict(
            session,
            Customer.__table__,
            {
                "id": new_id,
                "workspace_id": ctx.workspace_id,
                "email": email,
                "name": clean_name or email.split("@", 1)[0],
                "company_id": company.id if company else None,
                "created_at": now,
                "updated_at": now,
            },
            ["workspace_id", "email"],
        )
    )
    row = await repository.get_customer_by_email(session, ctx, email)
    assert row is not None
    customer, company = row
    created = customer.id == new_id
    if created:
        record_event(session, ctx, "customer.created", customer_public(customer, company))
    return ResolvedCustomer(customer, company, created=created)


async def upsert_customer(
    session: AsyncSession, ctx: Ctx, *, email: str, name: str | None
) -> ResolvedCustomer:
    """Create the customer with this email, or update its name (for mirroring a CRM)."""
    resolved = await resolve_customer(session, ctx, email=email, name=name, param="email")
    if resolved.created or name is None:
        return resolved
    customer = resolved.customer
    new_name = check_text(name, param="name", max_length=MAX_NAME)
    changes: dict[str, list[Any]] = {}
    if new_name != customer.name:
        changes["name"] = [customer.name, new_name]
        customer.name = new_name
    if changes:
        customer.updated_at = clock.now()
        await session.flush()
        record_event(
            session,
            ctx,
            "customer.updated",
            customer_public(customer, resolved.company),
            changes=changes,
        )
    return resolved


async def get_customer(
    session: AsyncSession, ctx: Ctx, customer_id: str
) -> tuple[Customer, Company | None]:
    found = await repository.get_customer(session, ctx, customer_id)
    if found is None:
        raise NotFound("customer", customer_id)
    return found


async def get_company(session: AsyncSession, ctx: Ctx, company_id: str) -> Company:
    company = await repository.get_company(session, ctx, company_id)
    if company is None:
        raise NotFound("company", company_id)
    return company


async def get_customers_by_ids(
    session: AsyncSession, ctx: Ctx, customer_ids: set[str]
) -> dict[str, Customer]:
    return await repository.get_customers_by_ids(session, ctx, customer_ids)
