"""The audit log in the dashboard (/dasbor/audit): who did what and when, newest first, 50 to a page, filtered.

Routes (GET; parameters as the dashboard's others, checked strictly: a malformed one is a 400 that says which):

    /dasbor/audit        ?orang= (the actor's Telegram id), ?aksi= (an action), ?wilayah= (r32.73, p32 or all),
                         ?dari= / ?sampai= (local dates, the end included), ?hal= (the page)
    /dasbor/audit.csv    the same filter, as CSV for auditors (formula characters disarmed, as the feedback export)

An admin reads every entry; an official only the entries of their own regions: those whose target is one of their
region codes or whose detail names one as "region" (bot.services.auth.audit_regions_for; the SQL is
storage/audit_log.py's). Dates and times are in the viewer's zone: their first region's, WIB for admins.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from bot.i18n import N_, Translator
from bot.services import auth
from bot.web import params
from bot.web.context import Ctx, Later, Page, Refusal, bad_param
from bot.web.exports import CSV_TYPE, as_text
from bot.web.pages import link, secure, view
from storage import audit_log
from storage.audit_log import AuditFilter
from storage.models import AuditEntry
from storage.zones import DEFAULT_ZONE, zone_info

PAGE_SIZE = 50
EXPORT_MAX = 50_000
ACTION = re.compile(r"[A-Za-z0-9_.:-]{1,40}")
VALUE_MAX = 60  # a detail's value is cut there; the whole detail at DETAIL_MAX
DETAIL_MAX = 300
HEADERS = (N_("Date and time"), N_("Time zone"), N_("Action"), N_("Who"), N_("Target"), N_("Detail"))


def _one(query: MultiMapping[str], key: str) -> str | None:
    values = query.getall(key, [])
    if len(values) > 1:
        raise bad_param(N_("The parameter {name} is given more than once."), name=key)
    return (values[0].strip() or None) if values else None


def _start(d: date, zone: str) -> datetime:
    return datetime.combine(d, time(), tzinfo=zone_info(zone)).astimezone(UTC)


async def viewer_zone(ctx: Ctx) -> str:
    """The zone the page's dates and times are in: the official's first region's, WIB for admins."""
    if ctx.actor.is_admin:
        return DEFAULT_ZONE
    regions = await ctx.regions()
    return regions[0].timezone if regions else DEFAULT_ZONE


async def checked_filter(ctx: Ctx) -> tuple[AuditFilter, dict[str, Any], str]:
    """The filter of the address (narrowed to what the viewer may read), its values for the form, and the zone."""
    query = ctx.query
    zone = await viewer_zone(ctx)
    person = params.integer(query, "orang", low=1, high=2**63 - 1)
    action = _one(query, "aksi")
    if action is not None and ACTION.fullmatch(action) is None:
        raise bad_param(N_("The action in the address is not valid: {value}"), value=action[:40])
    regions = None
    token = _one(query, "wilayah") or ""
    if token:
        scope = await ctx.resolve_scope()  # 403 for a region the viewer may not see
        regions = scope.region_codes
    since, until = params.day(query, "dari"), params.day(query, "sampai")
    if since and until and since > until:
        raise bad_param(N_("The start date comes after the end date."))
    flt = AuditFilter(
        visible=auth.audit_regions_for(ctx.actor), regions=regions, actor_id=person, action=action,
        since=_start(since, zone) if since else None, until=_start(until + timedelta(days=1), zone) if until else None,
    )
    form = {"orang": person or "", "aksi": action or "", "wilayah": token,
            "dari": since.isoformat() if since else "", "sampai": until.isoformat() if until else ""}
    return flt, form, zone


def _value(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def detail_text(detail: dict[str, Any] | None) -> str:
    """The detail as short key=value text (escaped by the template, as everything else)."""
    if not detail:
        return ""
    text = " ".join(f"{key}={_value(value)}" for key, value in detail.items())
    return text if len(text) <= DETAIL_MAX else text[: DETAIL_MAX - 1] + "…"


def who(t: Translator, entry: AuditEntry) -> str:
    return str(entry.actor_id) if entry.actor_id is not None else t.gettext("command line")


async def _region_choices(ctx: Ctx) -> list[tuple[str, str]]:
    _ = ctx.t.gettext
    regions = await ctx.regions()
    choices = []
    if ctx.actor.is_admin:
        choices += [(f"p{code}", _("Province: {name}").format(name=name))
                    for name, code in sorted({(r.province, r.province_code) for r in regions})]
    return choices + [(f"r{r.code}", r.name) for r in regions]


@view
async def audit(ctx: Ctx) -> Page:
    """The filtered log, a page at a time, newest first."""
    flt, form, zone = await checked_filter(ctx)
    page = params.page(ctx.query)
    total = await audit_log.count_entries(ctx.db, flt)
    pages = max(1, -(-total // PAGE_SIZE))
    rows = await audit_log.entries(ctx.db, flt, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    actions = await audit_log.actions(ctx.db, visible=flt.visible)
    ctx.audit("dashboard.audit", None, page=page, **{k: v for k, v in form.items() if v != ""})  # after the query
    return Page("audit.html", {
        "page": "audit", "form": form, "zone": zone, "total": total, "page_number": page, "pages": pages,
        "rows": [{"e": e, "who": who(ctx.t, e), "detail": detail_text(e.detail)} for e in rows],
        "actions": actions, "region_choices": await _region_choices(ctx),
        "filtered": any(v != "" for v in form.values()),
        "previous_page": link("/dasbor/audit", form, hal=page - 1) if page > 1 else None,
        "next_page": link("/dasbor/audit", form, hal=page + 1) if page < pages else None,
        "csv": link("/dasbor/audit.csv", form),
    })


def csv_text(t: Translator, zone: str, rows: list[AuditEntry]) -> bytes:
    """The rows as CSV: UTF-8 with a byte-order mark, every field quoted and disarmed as the feedback export's."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow([as_text(t.gettext(h)) for h in HEADERS])
    for e in rows:
        local = e.at.astimezone(zone_info(zone)).strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow([as_text(v) for v in (local, zone, e.action, who(t, e), e.target or "", detail_text(e.detail))])
    return out.getvalue().encode("utf-8")


@view
async def audit_csv(ctx: Ctx) -> Later:
    """The filtered log as CSV (at most EXPORT_MAX rows; more is refused: narrow the filter)."""
    flt, form, zone = await checked_filter(ctx)
    total = await audit_log.count_entries(ctx.db, flt)
    if total > EXPORT_MAX:
        raise Refusal(400, N_("More than {max} rows match. Please narrow the filter (for example the dates) "
                              "and export again."), max=ctx.t.integer(EXPORT_MAX))
    rows = await audit_log.entries(ctx.db, flt, limit=EXPORT_MAX)
    ctx.audit("dashboard.audit_export", None, rows=total, **{k: v for k, v in form.items() if v != ""})
    t, day = ctx.t, ctx.now.astimezone(zone_info(zone)).date().isoformat()

    async def build() -> web.StreamResponse:
        return secure(web.Response(body=csv_text(t, zone, rows), headers={
            "Content-Type": CSV_TYPE, "Content-Disposition": f'attachment; filename="audit-{day}.csv"'}))

    return Later(build)


def setup(app: web.Application) -> None:
    """Register this page's routes."""
    app.router.add_get("/dasbor/audit", audit)
    app.router.add_get("/dasbor/audit.csv", audit_csv)
