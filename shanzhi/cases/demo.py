"""Demo cases: the two-level taxonomy, keyword rules, and a few thousand GENERATED cases over
2023 → today, spread across grids, categories and statuses, with call-backs, so that routing,
the three rates and the rankings have content. Texts are generated (demo_data.py), marked
`is_generated`; bulk_create keeps it fast. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from shanzhi.cases import demo_data, training
from shanzhi.cases.models import DEADLINE_STATES, CallBack, Case, CaseEvent, Category, KeywordRule, RoutingModel
from shanzhi.cases.services import CODE_ALPHABET, compute_deadline
from shanzhi.core import workdays
from shanzhi.core.texts import Text
from shanzhi.orgs.models import Department, Grid

DEMO_CASES = 4000
SEED = 2023


def _categories(stdout) -> dict[str, Category]:
    depts = {d.code: d for d in Department.objects.all()}
    out: dict[str, Category] = {}
    for t_order, (top_code, top_name, subs) in enumerate(demo_data.TAXONOMY):
        top = Category.objects.filter(code=top_code).first() or Category.objects.create(
            code=top_code, name=top_name, sort_order=t_order * 10, is_generated=True
        )
        for s_order, (code, name, dept, _nature, days, keywords, _tpl) in enumerate(subs):
            cat = Category.objects.filter(code=code).first() or Category.objects.create(
                code=code,
                name=name,
                parent=top,
                default_department=depts.get(dept),
                deadline_workdays=days,
                keywords=keywords,
                sort_order=s_order * 10,
                is_generated=True,
                priority=3 if dept in ("emergency", "police") else 2,
            )
            out[code] = cat
    if not KeywordRule.objects.exists() and "emergency" in depts:
        KeywordRule.objects.create(
            name="燃气泄漏 → 应急",
            keywords="燃气泄漏,煤气泄漏,液化气泄漏",
            department=depts["emergency"],
            category=out.get("gas-safety"),
            priority=10,
        )
        if "labour" in depts:
            KeywordRule.objects.create(
                name="欠薪 → 人社",
                keywords="拖欠工资,欠薪,讨薪",
                department=depts["labour"],
                category=out.get("wage-arrears"),
                priority=20,
            )
    return out


def _point_in(rng: random.Random, polygon) -> tuple[float, float]:
    from shapely.geometry import Point

    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(30):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(Point(x, y)):
            return round(x, 6), round(y, 6)
    p = polygon.representative_point()
    return round(p.x, 6), round(p.y, 6)


# The columns a demo step sets, as they were before it.
_BEFORE_STEP: dict[str, dict] = {
    "dispatch": {"dispatched_at": None, "sign_deadline": None},
    "sign": {"signed_at": None, "signed_on_time": None, "return_count": 0},
    "reply": {"replied_at": None, "completed_on_time": None, "reply": "", "rework_count": 0},
    "callback": {
        "callback_valid": False,
        "callback_contacted": None,
        "callback_resolved": None,
        "callback_satisfaction": "",
        "callback_at": None,
    },
    "close": {"closed_at": None},
}


def _drop_future_steps(case: Case, events: list, now: datetime.datetime) -> None:
    """A recent case's steps drawn past `now` (a reply near a deadline still ahead, and the
    check and call-back after it) did not happen yet: the case stops at its last step so far."""
    while len(events) > 1 and events[-1][3] > now:
        action = events.pop()[0]
        for name, value in _BEFORE_STEP.get(action, {}).items():
            setattr(case, name, value)


def _demo_phone(rng) -> str:
    """A reporter's phone (one case in five has none). About one number in six is one of 300
    regular callers', so the demo has callers with a history (the same draws as before)."""
    if rng.random() >= 0.8:
        return ""
    prefix, number = rng.randint(0, 9), rng.randrange(10**8)
    return f"1380013{number // 6 % 300:04d}" if number % 6 == 0 else f"13{prefix}{number:08d}"


def _code(rng: random.Random, at: datetime.datetime) -> str:
    return f"SZ{timezone.localtime(at):%y%m%d}" + "".join(rng.choice(CODE_ALPHABET) for _ in range(8))


@transaction.atomic
def _cases(stdout, cats: dict[str, Category]) -> int:
    from shanzhi.orgs.geo import parse_polygon

    rng = random.Random(SEED)
    grids = list(Grid.objects.exclude(boundary__isnull=True).order_by("code"))
    if not grids:
        return 0
    polys = {g.pk: parse_polygon(g.boundary) for g in grids}
    subs = [(code, nature, tpl) for _t, _n, ss in demo_data.TAXONOMY for (code, _nm, _d, nature, _days, _k, tpl) in ss]
    weights = [
        3 if c in ("garbage", "noise", "parking", "road-damage", "property-management", "street-vendors") else 1
        for c, _n, _t in subs
    ]
    depts = {d.code: d for d in Department.objects.all()}
    # 企业家直通车: an enterprise request names the leader who answers for it.
    from shanzhi.cases.selectors import leaders

    leader = leaders().first()
    # Each department has its own "quality" so that rankings differ.
    quality = {code: rng.uniform(0.75, 0.98) for code in depts}
    now = timezone.now()
    start = datetime.datetime(2023, 1, 3, 9, 0, tzinfo=datetime.UTC)
    span = (now - start).total_seconds()
    cases: list[Case] = []
    plan: list[tuple[Case, list[tuple[str, str, str, datetime.datetime]]]] = []
    used_codes: set[str] = set()
    for _i in range(DEMO_CASES):
        code_key, nature, templates = rng.choices(subs, weights)[0]
        cat = cats[code_key]
        grid = rng.choice(grids)
        lon, lat = _point_in(rng, polys[grid.pk])
        # More recent cases are more frequent (the platform grows).
        received = start + datetime.timedelta(seconds=span * (rng.random() ** 0.7))
        received = received.replace(microsecond=0)
        text = demo_data.make_text(rng, rng.choice(templates))
        dept = cat.default_department
        kind = (
            Case.Kind.ENTERPRISE
            if cat.parent.code == "enterprise"
            else rng.choice([Case.Kind.REQUEST, Case.Kind.HOTLINE, Case.Kind.HOTLINE, Case.Kind.FINDING])
        )
        deadline = compute_deadline(start=received, nature=nature, kind=kind, category=cat)
        code = _code(rng, received)
        while code in used_codes:
            code = _code(rng, received)
        used_codes.add(code)
        q = quality.get(dept.code if dept else "", 0.85)
        age_days = (now - received).days
        c = Case(
            code=code,
            kind=kind,
            source=Case.Source.DEMO,
            title=text[:30],
            description=text,
            category=cat,
            nature=nature,
            priority=cat.priority,
            grid=grid,
            community_id=grid.community_id,
            department=dept,
            longitude=lon,
            latitude=lat,
            address=text[:0],
            received_at=received,
            deadline=deadline,
            routed_by=Case.RoutedBy.CATEGORY,
            routing_reason=Text(
                gettext_noop("demo data: default department of the category, %(d)s"), d=dept.name if dept else ""
            ),
            reporter_name=rng.choice(["陈先生", "李女士", "王先生", "张女士", "黄先生", "林女士", ""]),
            reporter_phone=_demo_phone(rng),
            leader=leader if kind == Case.Kind.ENTERPRISE else None,
            is_generated=True,
            status=Case.Status.RECEIVED,
        )
        events: list[tuple[str, str, str, datetime.datetime]] = [("create", "", "received", received)]
        t = received + datetime.timedelta(minutes=rng.randint(1, 30))
        c.dispatched_at = t
        c.sign_deadline = workdays.deadline_after(t, workhours=2)
        events.append(("dispatch", "received", "dispatched", t))
        # How far along: old cases are finished, recent ones spread over the workflow.
        if age_days > 30:
            stage = "archived" if age_days > 365 and rng.random() < 0.6 else "closed"
        elif age_days > 7:
            stage = rng.choice(["closed", "closed", "called_back", "verified", "replied", "in_progress"])
        else:
            stage = rng.choice(["dispatched", "signed", "in_progress", "in_progress", "replied", "received"])
        if stage == "received":
            c.department = depts.get("dispatch") or dept
            c.routed_by = Case.RoutedBy.DISPATCH
            c.routing_reason = Text(gettext_noop("demo data: low confidence, sent to the dispatch desk"))
            c.dispatched_at = c.sign_deadline = None
            events = events[:1]
        order = ["dispatched", "signed", "in_progress", "replied", "verified", "called_back", "closed", "archived"]
        reached = order.index(stage) if stage in order else -1
        if reached >= 1:
            late = rng.random() > q
            t = t + datetime.timedelta(hours=rng.uniform(3, 6) if late else rng.uniform(0.1, 1.5))
            c.signed_at, c.signed_on_time = t, t <= c.sign_deadline
            events.append(("sign", "dispatched", "signed", t))
            if rng.random() < (1 - q) * 0.4:
                c.return_count = 1
        if reached >= 2:
            t = t + datetime.timedelta(hours=rng.uniform(0.5, 8))
            events.append(("start", "signed", "in_progress", t))
        if reached >= 3:
            on_time = rng.random() < q + 0.05
            t = (
                deadline - datetime.timedelta(hours=rng.uniform(2, 60))
                if on_time
                else deadline + datetime.timedelta(hours=rng.uniform(2, 72))
            )
            t = max(t, events[-1][3] + datetime.timedelta(minutes=30))
            c.replied_at, c.completed_on_time = t, t <= deadline
            c.reply = (
                "已派员到现场核实处理，问题已解决。" if rng.random() < q else "已联系相关单位协调处理，将持续跟进。"
            )
            if rng.random() < (1 - q) * 0.5:
                c.rework_count = 1
            events.append(("reply", "in_progress", "replied", t))
        if reached >= 4:
            t = t + datetime.timedelta(hours=rng.uniform(1, 24))
            events.append(("verify", "replied", "verified", t))
        if reached >= 5 and c.reporter_phone:
            t = t + datetime.timedelta(hours=rng.uniform(2, 48))
            contacted = rng.random() < 0.93
            resolved = contacted and rng.random() < q
            r = rng.random()
            sat = ("satisfied" if r < q - 0.1 else "basic" if r < q + 0.07 else "unsatisfied") if contacted else ""
            c.callback_valid, c.callback_contacted, c.callback_resolved = True, contacted, resolved
            c.callback_satisfaction, c.callback_at = sat, t
            events.append(("callback", "verified", "called_back", t))
        if reached >= 6:
            t = t + datetime.timedelta(hours=rng.uniform(1, 24))
            c.closed_at = t
            events.append(("close", events[-1][2], "closed", t))
        if reached >= 7:
            events.append(("archive", "closed", "archived", t + datetime.timedelta(days=30)))
        _drop_future_steps(c, events, now)
        c.status = events[-1][2]
        if c.deadline and c.status in DEADLINE_STATES and c.deadline < now:
            c.escalation_level = 1
        cases.append(c)
        plan.append((c, events))
    Case.objects.bulk_create(cases, batch_size=1000)
    saved = dict(Case.objects.filter(is_generated=True).values_list("code", "pk"))
    label = {d.pk: d.name for d in depts.values()}
    evs = []
    for c, events in plan:
        pk = saved[c.code]
        for action, frm, to, at in events:
            public = action not in ("callback",)
            evs.append(
                CaseEvent(
                    case_id=pk,
                    at=at,
                    action=action,
                    from_status=frm,
                    to_status=to,
                    is_public=public,
                    actor_label=label.get(c.department_id, "") if action in ("sign", "reply") else "",
                    note=c.reply if action == "reply" else "",
                    data={"satisfaction": c.callback_satisfaction} if action == "callback" else {},
                )
            )
    CaseEvent.objects.bulk_create(evs, batch_size=5000)
    # The call-back records behind the case's latest call-back (the rates read the case's
    # columns; the record is what the case page and an audit show).
    CallBack.objects.bulk_create(
        [
            CallBack(
                case_id=saved[c.code],
                contacted=c.callback_contacted,
                resolved=c.callback_resolved if c.callback_contacted else None,
                satisfaction=c.callback_satisfaction,
                is_valid=True,
                at=c.callback_at,
            )
            for c in cases
            if c.callback_valid
        ],
        batch_size=5000,
    )
    return len(cases)


def load(stdout=None) -> None:
    cats = _categories(stdout)
    if not Case.all_objects.filter(is_generated=True).exists():
        n = _cases(stdout, cats)
        if stdout:
            stdout.write(f"cases: {n} generated demo cases")
    for target in RoutingModel.Target.values:
        if not RoutingModel.objects.filter(target=target, is_active=True).exists():
            row = training.routing_train(target=target)
            if stdout and row is not None:
                stdout.write(
                    f"cases: routing model ({target}) trained on {row.samples} cases, "
                    f"macro-F1 {row.metrics.get('macro_f1', 0):.3f}"
                )
