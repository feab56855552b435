"""The monthly supervision bulletin (督查通报) as a Word file: plan progress by program and by
unit, overdue tasks, 督办 replies, case statistics and the three rates with rankings, the red
and black lists, with charts. Everything is read through the viewer's scope."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from shanzhi.cockpit import charts, selectors
from shanzhi.cockpit.rollup import month_start, next_month
from shanzhi.core.scoping import LEVEL_ALL, Scope

RED_BLACK_SIZE = 3


class SystemViewer:
    """The viewer of the monthly job: sees the whole street (no account behind it)."""

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = False
    role = "admin"

    def compute_scope(self) -> Scope:
        return Scope(level=LEVEL_ALL)

    def has_perm(self, perm: str) -> bool:
        return True

    def __str__(self) -> str:
        return "system"


@dataclass
class BulletinData:
    month: datetime.date
    scope: str
    programs: list[dict]
    units: list[dict]
    overdue_tasks: list[dict]
    notices: list[dict]
    cases: dict[str, Any]
    categories: list[dict]
    communities: list[dict]
    departments: list[dict]
    red: list[dict]
    black: list[dict]


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


def collect(user, month: datetime.date) -> BulletinData:
    """The figures of the bulletin for `month`, as the viewer may see them."""
    from shanzhi.plans import selectors as plan_selectors
    from shanzhi.plans.models import PlanNode, Status, SupervisionNotice

    month = month_start(month)
    month_end = next_month(month) - datetime.timedelta(days=1)
    programs = plan_selectors.plan_progress_by_program(user)
    plan = plan_selectors.current_plan(user)
    units = []
    if plan is not None:
        for r in plan_selectors.scorecard(user, plan, today=month_end):
            f = r["facts"]
            units.append(
                {
                    "rank": r["rank"],
                    "unit": r["unit"].name,
                    "tasks": r["tasks"],
                    "done": f.tasks_done,
                    "yellow": f.tasks_yellow,
                    "red": f.tasks_red,
                    "score": r["score"],
                }
            )
    overdue = (
        PlanNode.objects.restrict(user)
        .filter(lead_unit__isnull=False, deadline__lte=month_end)
        .exclude(status=Status.DONE)
        .filter(closed_at__isnull=True)
        .select_related("lead_unit")
        .order_by("deadline", "position")
    )
    overdue_tasks = [
        {
            "label": n.label,
            "title": n.title,
            "unit": n.lead_unit.name,
            "deadline": n.deadline,
            "progress": float(n.progress),
            "status": n.get_status_display(),
        }
        for n in overdue[:200]
    ]
    notices_qs = (
        SupervisionNotice.objects.restrict(user)
        .filter(
            Q(issued_on__gte=month, issued_on__lte=month_end)
            | Q(state=SupervisionNotice.State.OPEN, issued_on__lte=month_end)
        )
        .select_related("unit", "node")
        .order_by("issued_on", "code")
    )
    notices = [
        {
            "code": n.code,
            "unit": n.unit.name,
            "task": n.node.title,
            "due": n.reply_due,
            "state": n.get_state_display(),
            "replied": timezone_date(n.replied_at),
            "late": n.replied_late or n.is_overdue(month_end),
        }
        for n in notices_qs
    ]
    qs = selectors.stats(user).filter(month=month)
    cases = selectors.with_rates(selectors.sum_counters(qs)[0])
    cat_rows = selectors.category_counts(user, month)
    from shanzhi.cases.models import Category
    from shanzhi.orgs.models import Community, Department

    cat_names = dict(Category.all_objects.values_list("pk", "name"))
    categories = sorted(
        ({"name": cat_names.get(r["category_id"], _("(uncategorised)")), **r} for r in cat_rows if r["total"]),
        key=lambda r: -r["total"],
    )
    link = lambda pk: ""  # noqa: E731 (no links in a Word file)
    communities = selectors._ranking(
        selectors.sum_counters(qs, "community_id"),
        "community_id",
        dict(Community.all_objects.values_list("pk", "name")),
        link,
    )
    departments = selectors._ranking(
        selectors.sum_counters(qs, "department_id"),
        "department_id",
        dict(Department.all_objects.values_list("pk", "name")),
        link,
    )
    ranked = [dict(r, kind=_("community")) for r in communities if r["rank"]] + [
        dict(r, kind=_("department")) for r in departments if r["rank"]
    ]
    ranked.sort(key=lambda r: (-r["composite"], -r["valid"], str(r["name"])))
    size = min(RED_BLACK_SIZE, len(ranked) // 2)
    red = ranked[:size]
    black = list(reversed(ranked[-size:])) if size else []
    return BulletinData(
        month=month,
        scope=selectors.scope_label(user),
        programs=programs,
        units=units,
        overdue_tasks=overdue_tasks,
        notices=notices,
        cases=cases,
        categories=categories,
        communities=communities,
        departments=departments,
        red=red,
        black=black,
    )


def timezone_date(value):
    from django.utils import timezone

    return timezone.localtime(value).date() if value else None


def _table(doc, headers: list[str], rows: list[list[Any]]):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, h in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(h)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, v in zip(cells, row, strict=True):
            cell.text = _fmt(v)
    return table


def _empty(doc) -> None:
    doc.add_paragraph(_("None."))


def _chart(doc, png: bytes) -> None:
    doc.add_picture(io.BytesIO(png), width=Cm(15))


def render(data: BulletinData) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(11)
    title = doc.add_heading(
        _("%(site)s supervision bulletin, %(month)s")
        % {"site": settings.SITE_NAME, "month": data.month.strftime("%Y-%m")},
        0,
    )
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(
        _("Scope: %(scope)s. Generated on %(date)s.") % {"scope": data.scope, "date": datetime.date.today().isoformat()}
    )

    doc.add_heading(_("1. Work plan progress by program"), 1)
    if data.programs:
        _table(
            doc,
            [
                _("Program"),
                _("Progress %"),
                pgettext("count", "Tasks"),
                _("On track"),
                _("Behind"),
                _("Seriously behind"),
                _("Completed"),
            ],
            [
                [
                    p["program"],
                    p["progress"],
                    p["tasks"],
                    p["counts"]["green"],
                    p["counts"]["yellow"],
                    p["counts"]["red"],
                    p["counts"]["done"],
                ]
                for p in data.programs
            ],
        )
        _chart(
            doc,
            charts.bar_chart(
                [p["label"] or p["title"][:12] for p in data.programs],
                [p["progress"] for p in data.programs],
                title=_("Progress by program"),
                unit="%",
            ),
        )
    else:
        _empty(doc)
    doc.add_heading(_("2. Progress by unit"), 1)
    if data.units:
        _table(
            doc,
            [
                _("Rank"),
                _("Unit"),
                pgettext("count", "Tasks"),
                _("Completed"),
                _("Behind"),
                _("Seriously behind"),
                _("Score"),
            ],
            [[u["rank"], u["unit"], u["tasks"], u["done"], u["yellow"], u["red"], u["score"]] for u in data.units],
        )
    else:
        _empty(doc)
    doc.add_heading(_("3. Overdue tasks"), 1)
    if data.overdue_tasks:
        _table(
            doc,
            [_("Number"), _("Task"), _("Lead unit"), _("Deadline"), _("Progress %"), _("Status")],
            [
                [t["label"], t["title"], t["unit"], t["deadline"], t["progress"], t["status"]]
                for t in data.overdue_tasks
            ],
        )
    else:
        _empty(doc)
    doc.add_heading(_("4. Supervision notices and replies"), 1)
    if data.notices:
        _table(
            doc,
            [_("Number"), _("Unit"), _("Task"), _("Reply due"), _("State"), _("Replied on"), _("Late")],
            [
                [
                    n["code"],
                    n["unit"],
                    n["task"],
                    n["due"],
                    n["state"],
                    n["replied"],
                    _("Yes") if n["late"] else _("No"),
                ]
                for n in data.notices
            ],
        )
    else:
        _empty(doc)
    doc.add_heading(_("5. Cases and the three rates"), 1)
    c = data.cases
    _table(
        doc,
        [
            _("Received"),
            _("Closed"),
            _("Open"),
            _("Overdue"),
            _("Valid call-backs"),
            _("Response rate %"),
            _("Resolution rate %"),
            _("Satisfaction rate %"),
            _("Composite"),
        ],
        [
            [
                c["total"],
                c["closed"],
                c["open"],
                c["overdue"],
                c["valid"],
                c["response"],
                c["resolution"],
                c["satisfaction"],
                c["composite"],
            ]
        ],
    )
    doc.add_heading(_("Cases by category"), 2)
    if data.categories:
        _table(
            doc,
            [_("Category"), _("Received"), _("Closed"), _("Overdue")],
            [[r["name"], r["total"], r["closed"], r["overdue"]] for r in data.categories],
        )
        _chart(
            doc,
            charts.bar_chart(
                [r["name"] for r in data.categories[:12]],
                [r["total"] for r in data.categories[:12]],
                title=_("Cases by category"),
            ),
        )
    else:
        _empty(doc)
    for heading, rows in (
        (_("Ranking of communities"), data.communities),
        (_("Ranking of departments"), data.departments),
    ):
        doc.add_heading(heading, 2)
        if rows:
            _table(
                doc,
                [
                    _("Rank"),
                    _("Name"),
                    _("Received"),
                    _("Valid call-backs"),
                    _("Response rate %"),
                    _("Resolution rate %"),
                    _("Satisfaction rate %"),
                    _("Composite"),
                ],
                [
                    [
                        r["rank"],
                        r["name"],
                        r["total"],
                        r["valid"],
                        r["response"],
                        r["resolution"],
                        r["satisfaction"],
                        r["composite"],
                    ]
                    for r in rows
                ],
            )
            scored = [r for r in rows if r["composite"] is not None]
            if scored:
                _chart(
                    doc, charts.bar_chart([r["name"] for r in scored], [r["composite"] for r in scored], title=heading)
                )
        else:
            _empty(doc)
    doc.add_heading(_("6. Red and black lists"), 1)
    for heading, rows in ((_("Red list (best)"), data.red), (_("Black list (worst)"), data.black)):
        doc.add_heading(heading, 2)
        if rows:
            _table(
                doc,
                [_("Name"), _("Kind"), _("Composite"), _("Valid call-backs")],
                [[r["name"], r["kind"], r["composite"], r["valid"]] for r in rows],
            )
        else:
            _empty(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def bulletin(user, month: datetime.date) -> bytes:
    return render(collect(user, month))
