"""/api/v1/customers and /api/v1/companies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from tixallo.api.deps import CustomersRead, CustomersWrite, ReadSession, WriteSession
from tixallo.api.v1 import responses, schemas
from tixallo.api.v1.envelope import many, one
from tixallo.api.v1.responses import documented
from tixallo.customers import repository
from tixallo.customers import service as customers
from tixallo.customers.public import company_public, customer_public
from tixallo.pagination import Cursor, check_limit
from tixallo.validation import check_email

router = APIRouter(tags=["customers"])

Limit = Annotated[int | None, Query(description="1 to 100 (more is clamped); default 50.")]


@router.get("/customers", summary="List customers", **documented(responses.CustomerList))
async def list_customers(
    ctx: CustomersRead,
    session: ReadSession,
    limit: Limit = None,
    cursor: str | None = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    company_id: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    page = await repository.list_customers(
        session,
        ctx,
        limit=check_limit(limit),
        cursor=Cursor.decode(cursor) if cursor else None,
        email=check_email(email) if email else None,
        company_id=company_id,
    )
    return many(page, lambda row: customer_public(row[0], row[1]))


@router.put(
    "/customers",
    summary="Create or update a customer by email",
    **documented(responses.CustomerResponse, 200, 201),
)
async def upsert_customer(
    body: schemas.CustomerUpsert, ctx: CustomersWrite, session: WriteSession, request: Request
) -> JSONResponse:
    """201 when the email was new, 200 when an existing customer was found (and renamed)."""
    resolved = await customers.upsert_customer(session, ctx, email=body.email, name=body.name)
    return JSONResponse(
        one(customer_public(resolved.customer, resolved.company)),
        status_code=201 if resolved.created else 200,
    )


@router.get(
    "/customers/{customer_id}", summary="Get a customer", **documented(responses.CustomerResponse)
)
async def get_customer(
    customer_id: str, ctx: CustomersRead, session: ReadSession
) -> dict[str, Any]:
    customer, company = await customers.get_customer(session, ctx, customer_id)
    return one(customer_public(customer, company))


@router.get("/companies", summary="List companies", **documented(responses.CompanyList))
async def list_companies(
    ctx: CustomersRead, session: ReadSession, limit: Limit = None, cursor: str | None = None
) -> dict[str, Any]:
    page = await repository.list_companies(
        session, ctx, limit=check_limit(limit), cursor=Cursor.decode(cursor) if cursor else None
    )
    return many(page, company_public)


@router.get(
    "/companies/{company_id}", summary="Get a company", **documented(responses.CompanyResponse)
)
async def get_company(company_id: str, ctx: CustomersRead, session: ReadSession) -> dict[str, Any]:
    return one(company_public(await customers.get_company(session, ctx, company_id)))
