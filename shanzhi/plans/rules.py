"""Supervision rules: status of a task, warnings and the unit scorecard.

Pure functions over plain facts (no queries), so that the rules are unit-testable and the
pages can show exactly what is applied. The constants are configurable: the defaults below,
overridden by the setting `SHANZHI_PLAN_RULES` and then by the runtime setting (core
SiteSetting) with key `plans.rules`; `current_rules()` merges them.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from shanzhi.core import setting_checks as checks
from shanzhi.core.registry import registry
from shanzhi.core.texts import Text

SETTING_KEY = "plans.rules"

DEFAULT_RULES: dict[str, Any] = {
    # Units report on each task of theirs by this day of the month, for that month.
    "report_day": 25,
    # Progress behind the time-proportional expectation by this many points → yellow / red.
    "behind_yellow_points": 10,
    "behind_red_points": 25,
    # A milestone overdue → yellow; overdue by more than this many days → red.
    "milestone_red_days": 15,
    # No report for the current month after the report day → yellow; two months missing → red.
    "missing_reports_red": 2,
    # A 督办单 unanswered past its reply date → red (and escalated to the responsible leader).
    "notice_reply_days": 5,
    # Blue warning (a reminder) this many days before a deadline or the report day.
    "blue_warning_days": 5,
    # Scorecard (争先创优): base score and plus / minus points.
    "score_base": 100,
    "score_report_on_time": 1,
    "score_report_late": -1,
    "score_report_missing": -3,
    "score_task_done": 3,
    "score_task_yellow": -1,
    "score_task_red": -3,
    "score_notice_replied_on_time": 0,
    "score_notice_replied_late": -2,
    "score_notice_unanswered": -4,
}

RULE_LABELS: dict[str, str] = {}

# The admin's Settings page lists the key (plans.apps registers the check for "plans.").
registry.add_setting_keys(
    {SETTING_KEY: DEFAULT_RULES},
    {SETTING_KEY: gettext_lazy("Supervision rules and scorecard points, also set on the Supervision rules page.")},
)


def rule_labels() -> dict[str, str]:
    """Human labels of the constants (translated at call time)."""
    return {
        "report_day": _("Monthly report due on day"),
        "behind_yellow_points": _("Behind expected progress by (points) → yellow"),
        "behind_red_points": _("Behind expected progress by (points) → red"),
        "milestone_red_days": _("Milestone overdue by more than (days) → red"),
        "missing_reports_red": _("Months without a report → red"),
        "notice_reply_days": _("Default reply period of a supervision notice (days)"),
        "blue_warning_days": _("Blue reminder before a deadline (days)"),
        "score_base": _("Scorecard base score"),
        "score_report_on_time": _("Per report on time"),
        "score_report_late": _("Per late report"),
        "score_report_missing": _("Per missing monthly report"),
        "score_task_done": _("Per completed task"),
        "score_task_yellow": _("Per task in yellow"),
        "score_task_red": _("Per task in red"),
        "score_notice_replied_on_time": _("Per supervision notice answered on time"),
        "score_notice_replied_late": _("Per supervision notice answered late"),
        "score_notice_unanswered": _("Per supervision notice unanswered past its date"),
    }


def current_rules() -> dict[str, Any]:
    from django.conf import settings

    from shanzhi.core.models import SiteSetting

    rules = dict(DEFAULT_RULES)
    rules.update(getattr(settings, "SHANZHI_PLAN_RULES", {}) or {})
    row = SiteSetting.objects.filter(key=SETTING_KEY).first()
    if row and isinstance(row.value, dict):
        rules.update({k: v for k, v in row.value.items() if k in DEFAULT_RULES})
    return rules


def validate_rules(values: dict[str, Any], *, strict: bool = False) -> dict[str, int]:
    """Whole numbers only; the report day within 1–28; thresholds ordered. Raises ValueError.

    `strict` for a value stored as given (the admin's Settings page): no unknown rule, and
    numbers as numbers, since the rules compare and add them without int() ("20" or 2.5 would
    break every status)."""
    out: dict[str, int] = {}
    unknown = sorted(set(values) - set(DEFAULT_RULES))
    if strict and unknown:
        raise ValueError(
            _("Unknown rule %(key)s: the rules are %(keys)s.") % {"key": unknown[0], "keys": ", ".join(DEFAULT_RULES)}
        )
    for key in DEFAULT_RULES:
        if key not in values:
            continue
        value = values[key]
        if strict and (not isinstance(value, int) or isinstance(value, bool)):
            raise ValueError(_("%(key)s must be a whole number.") % {"key": key})
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(_("%(key)s must be a whole number.") % {"key": key}) from None
        out[key] = number
    merged = {**DEFAULT_RULES, **out}
    if not 1 <= merged["report_day"] <= 28:
        raise ValueError(_("The report day must be between 1 and 28."))
    if not 0 <= merged["behind_yellow_points"] <= merged["behind_red_points"] <= 100:
        raise ValueError(_("The yellow threshold must not exceed the red threshold (0–100 points)."))
    for key in ("milestone_red_days", "missing_reports_red", "notice_reply_days", "blue_warning_days", "score_base"):
        if merged[key] < 0:
            raise ValueError(_("%(key)s must not be negative.") % {"key": key})
    return out


def validate_setting(key: str, value: Any) -> None:
    """The admin's check of a "plans." SiteSetting: the rules page's checks, strict."""
    from django.core.exceptions import ValidationError

    if key != SETTING_KEY:
        raise checks.unknown(key, [SETTING_KEY])
    if not isinstance(value, dict):
        raise ValidationError(
            _('An object of rules and whole numbers, such as {"report_day": 25}; the rules are %(keys)s.')
            % {"keys": ", ".join(DEFAULT_RULES)}
        )
    try:
        validate_rules(value, strict=True)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


# ----------------------------------------------------------------------------- status


@dataclass
class TaskFacts:
    """What the rules need to know about one task on a given day."""

    start: datetime.date
    deadline: datetime.date | None
    progress: Decimal
    closed: bool = False
    milestones: list[tuple[datetime.date, datetime.date | None]] = field(default_factory=list)  # (due, done)
    report_months: set[datetime.date] = field(default_factory=set)  # first days of the months reported
    open_notices: list[datetime.date] = field(default_factory=list)  # reply_due of unanswered notices


@dataclass
class Assessment:
    status: str
    warning: str
    expected: Decimal | None
    reasons: list[dict[str, Any]]  # {"level", "code", "text"}: a Text, shown in the reader's language


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def previous_month(day: datetime.date) -> datetime.date:
    return (month_start(day) - datetime.timedelta(days=1)).replace(day=1)


def report_due_date(period: datetime.date, report_day: int) -> datetime.date:
    last = calendar.monthrange(period.year, period.month)[1]
    return period.replace(day=min(report_day, last))


def expected_progress(start: datetime.date, deadline: datetime.date | None, today: datetime.date) -> Decimal | None:
    """Time-proportional expectation: the share of the task's time already gone, in %."""
    if deadline is None or deadline <= start:
        return None
    if today <= start:
        return Decimal(0)
    if today >= deadline:
        return Decimal(100)
    share = Decimal((today - start).days) / Decimal((deadline - start).days) * 100
    return share.quantize(Decimal("0.1"))


_RANK = {"green": 0, "yellow": 1, "red": 2}


def assess(facts: TaskFacts, today: datetime.date, rules: dict[str, Any]) -> Assessment:
    """Status green / yellow / red with the reasons, and the warning level:
    blue = a reminder (report or deadline near), yellow = status yellow, red = status red
    (escalated to the responsible leader)."""
    reasons: list[dict[str, Any]] = []
    if facts.closed or facts.progress >= 100:
        done = Text(gettext_noop("Completed."))
        return Assessment("done", "", Decimal(100), [{"level": "green", "code": "done", "text": done}])
    worst = "green"

    def add(level: str, code: str, text: Text) -> None:
        nonlocal worst
        reasons.append({"level": level, "code": code, "text": text})
        if level in _RANK and _RANK[level] > _RANK[worst]:
            worst = level

    expected = expected_progress(facts.start, facts.deadline, today)
    if expected is not None:
        gap = expected - facts.progress
        behind = Text(
            gettext_noop("Progress %(p)s%% is %(g)s points behind the expected %(e)s%%."),
            p=str(facts.progress),
            g=str(gap),
            e=str(expected),
        )
        if gap >= rules["behind_red_points"]:
            add("red", "behind", behind)
        elif gap >= rules["behind_yellow_points"]:
            add("yellow", "behind", behind)
    if facts.deadline and facts.deadline < today:
        add("red", "deadline", Text(gettext_noop("The deadline %(d)s has passed."), d=str(facts.deadline)))
    for due, done in facts.milestones:
        if done is None and due < today:
            late = (today - due).days
            level = "red" if late > rules["milestone_red_days"] else "yellow"
            add(
                level,
                "milestone",
                Text(gettext_noop("A milestone due %(d)s is %(n)s days overdue."), d=str(due), n=late),
            )
    # Reports: this month's is missing once its day has passed; count consecutive missing months.
    this_month = month_start(today)
    missing = 0
    period = this_month if today > report_due_date(this_month, rules["report_day"]) else previous_month(this_month)
    while period >= month_start(facts.start) and period not in facts.report_months and missing < 12:
        missing += 1
        period = previous_month(period)
    if missing:
        level = "red" if missing >= rules["missing_reports_red"] else "yellow"
        add(level, "report", Text(gettext_noop("No progress report for %(n)s month(s)."), n=missing))
    for reply_due in facts.open_notices:
        if reply_due < today:
            add("red", "notice", Text(gettext_noop("A supervision notice due %(d)s is unanswered."), d=str(reply_due)))
    warning = {"red": "red", "yellow": "yellow"}.get(worst, "")
    if not warning:
        near = datetime.timedelta(days=rules["blue_warning_days"])
        due = report_due_date(this_month, rules["report_day"])
        if this_month not in facts.report_months and today <= due <= today + near:
            add("blue", "report_soon", Text(gettext_noop("This month's report is due on %(d)s."), d=str(due)))
            warning = "blue"
        if facts.deadline and today <= facts.deadline <= today + near:
            add("blue", "deadline_soon", Text(gettext_noop("The deadline %(d)s is near."), d=str(facts.deadline)))
            warning = "blue"
    return Assessment(worst, warning, expected, reasons)


# ----------------------------------------------------------------------------- scorecard


@dataclass
class UnitFacts:
    reports_on_time: int = 0
    reports_late: int = 0
    reports_missing: int = 0
    tasks_done: int = 0
    tasks_yellow: int = 0
    tasks_red: int = 0
    notices_on_time: int = 0
    notices_late: int = 0
    notices_unanswered: int = 0


SCORE_ITEMS = [
    ("reports_on_time", "score_report_on_time"),
    ("reports_late", "score_report_late"),
    ("reports_missing", "score_report_missing"),
    ("tasks_done", "score_task_done"),
    ("tasks_yellow", "score_task_yellow"),
    ("tasks_red", "score_task_red"),
    ("notices_on_time", "score_notice_replied_on_time"),
    ("notices_late", "score_notice_replied_late"),
    ("notices_unanswered", "score_notice_unanswered"),
]


def score(facts: UnitFacts, rules: dict[str, Any]) -> Decimal:
    total = Decimal(rules["score_base"])
    for attr, key in SCORE_ITEMS:
        total += Decimal(getattr(facts, attr)) * Decimal(rules[key])
    return total
