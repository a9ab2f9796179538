"""The public (v1) representation of customers and companies, shared by API and events."""

from __future__ import annotations

from typing import Any

from tixallo.clock import isoformat
from tixallo.customers.models import Company, Customer


def company_public(company: Company) -> dict[str, Any]:
    return {
        "id": company.id,
        "name": company.name,
        "domain": company.domain,
        "created_at": isoformat(company.created_at),
        "updated_at": isoformat(company.updated_at),
    }


def customer_public(customer: Customer, company: Company | None) -> dict[str, Any]:
    return {
        "id": customer.id,
        "email": customer.email,
        "name": customer.name,
        "company": company_public(company) if company is not None else None,
        "created_at": isoformat(customer.created_at),
        "updated_at": isoformat(customer.updated_at),
    }
