"""The dashboard's figures, computed from repository reads (no SQL here).

Daily counts are grouped by the database. Medians are computed in Python over the window's
answered or resolved tickets only: fine for tens of thousands a month; percentile_cont on
PostgreSQL is the follow-up beyond that.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock
from tixallo.context import Ctx
from tixallo.tickets import stats
from tixallo.tickets.models import OPEN_STATUSES, PRIORITIES

WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    created: int
    resolved: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    days: list[Day]
    open_by_status: dict[str, int]
    open_by_priority: dict[str, int]
    median_first_response: float | None
    median_resolution: float | None
    created_total: int
    resolved_total: int
    chart: dict[str, object] = field(default_factory=dict)


def _median_seconds(spans: list[timedelta]) -> float | None:
    values = [s.total_seconds() for s in spans if s.total_seconds() >= 0]
    return statistics.median(values) if values else None


async def build_dashboard(session: AsyncSession, ctx: Ctx) -> Dashboard:
    now = clock.now()
    start = datetime.combine(
        (now - timedelta(days=WINDOW_DAYS - 1)).date(), datetime.min.time(), now.tzinfo
    )
    created_per_day = await stats.created_per_day(session, ctx, start)
    resolutions = await stats.resolutions_since(session, ctx, start)
    replies = await stats.first_member_replies(session, ctx, start)
    counts = await stats.count_by_status_and_priority(session, ctx, OPEN_STATUSES)

    first_resolution: dict[str, tuple[datetime, datetime]] = {}
    for ticket_id, opened, resolved_at in sorted(resolutions, key=lambda r: r[2]):
        first_resolution.setdefault(ticket_id, (opened, resolved_at))
    resolved_per_day: dict[date, int] = {}
    for _opened, resolved_at in first_resolution.values():
        resolved_per_day[resolved_at.date()] = resolved_per_day.get(resolved_at.date(), 0) + 1
    days = [
        Day(d, created_per_day.get(d, 0), resolved_per_day.get(d, 0))
        for d in (start.date() + timedelta(days=i) for i in range(WINDOW_DAYS))
    ]
    return Dashboard(
        days=days,
        open_by_status={s: counts.by_status.get(s, 0) for s in OPEN_STATUSES},
        open_by_priority={p: counts.by_priority_open.get(p, 0) for p in PRIORITIES},
        median_first_response=_median_seconds([reply - opened for opened, reply in replies]),
        median_resolution=_median_seconds([r - o for o, r in first_resolution.values()]),
        created_total=sum(created_per_day.values()),
        resolved_total=len(first_resolution),
        chart=_chart(days),
    )


def _chart(days: list[Day], width: int = 900, height: int = 180) -> dict[str, object]:
    """Bar geometry for the inline SVG: two bars per day, scaled to the busiest day."""
    top = max([1, *(d.created for d in days), *(d.resolved for d in days)])
    slot = width / len(days)
    bar = max(2.0, slot / 2 - 2)
    bars = []
    for i, d in enumerate(days):
        x = i * slot + 1
        hc = d.created / top * (height - 20)
        hr = d.resolved / top * (height - 20)
        bars.append(
            {
                "day": d,
                "xc": round(x, 1),
                "xr": round(x + bar, 1),
                "hc": round(hc, 1),
                "hr": round(hr, 1),
                "yc": round(height - hc, 1),
                "yr": round(height - hr, 1),
                "label": d.day.strftime("%b %-d") if i % 5 == 0 else "",
            }
        )
    return {"width": width, "height": height, "bar": round(bar, 1), "bars": bars, "top": top}
