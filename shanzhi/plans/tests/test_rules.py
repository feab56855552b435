"""The supervision rules as pure functions (no database)."""

import datetime
from decimal import Decimal

from shanzhi.plans import rules

R = dict(rules.DEFAULT_RULES)
D = datetime.date


def facts(**kw):
    base = dict(
        start=D(2024, 1, 1),
        deadline=D(2024, 12, 31),
        progress=Decimal(50),
        report_months={D(2024, m, 1) for m in range(1, 13)},
    )
    base.update(kw)
    return rules.TaskFacts(**base)


def test_expected_progress_is_time_proportional():
    assert rules.expected_progress(D(2024, 1, 1), D(2024, 12, 31), D(2024, 7, 1)) == Decimal("49.9")  # 182 of 365 days
    assert rules.expected_progress(D(2024, 1, 1), D(2024, 12, 31), D(2023, 12, 1)) == 0
    assert rules.expected_progress(D(2024, 1, 1), D(2024, 12, 31), D(2025, 1, 2)) == 100
    assert rules.expected_progress(D(2024, 1, 1), None, D(2024, 6, 1)) is None


def test_on_track_is_green():
    a = rules.assess(facts(progress=Decimal(50)), D(2024, 7, 1), R)
    assert a.status == "green" and a.warning == ""


def test_behind_yellow_then_red_by_configured_points():
    assert rules.assess(facts(progress=Decimal(39)), D(2024, 7, 1), R).status == "yellow"
    assert rules.assess(facts(progress=Decimal(24)), D(2024, 7, 1), R).status == "red"
    looser = {**R, "behind_yellow_points": 20}
    assert rules.assess(facts(progress=Decimal(39)), D(2024, 7, 1), looser).status == "green"


def test_overdue_milestone_yellow_then_red():
    f = facts(milestones=[(D(2024, 6, 20), None)])
    assert rules.assess(f, D(2024, 7, 1), R).status == "yellow"
    assert rules.assess(f, D(2024, 7, 20), R).status == "red"
    done = facts(milestones=[(D(2024, 6, 20), D(2024, 6, 25))])
    assert rules.assess(done, D(2024, 7, 1), R).status == "green"


def test_missing_reports_after_report_day():
    f = facts(report_months={D(2024, m, 1) for m in range(1, 6)})  # Jan–May reported
    assert rules.assess(f, D(2024, 6, 20), R).status == "green"  # June's not due yet (day 25)
    a = rules.assess(f, D(2024, 6, 26), R)
    assert a.status == "yellow" and any(r["code"] == "report" for r in a.reasons)
    assert rules.assess(f, D(2024, 7, 26), R).status == "red"  # two months missing


def test_unanswered_notice_past_due_is_red_and_warning_red():
    a = rules.assess(facts(open_notices=[D(2024, 6, 28)]), D(2024, 7, 1), R)
    assert a.status == "red" and a.warning == "red"
    assert rules.assess(facts(open_notices=[D(2024, 7, 5)]), D(2024, 7, 1), R).status == "green"


def test_blue_reminder_before_report_day():
    f = facts(report_months={D(2024, m, 1) for m in range(1, 6)})
    a = rules.assess(f, D(2024, 6, 22), R)
    assert a.status == "green" and a.warning == "blue"


def test_done_when_closed_or_complete():
    assert rules.assess(facts(progress=Decimal(100)), D(2024, 7, 1), R).status == "done"
    assert rules.assess(facts(progress=Decimal(10), closed=True), D(2024, 7, 1), R).status == "done"


def test_deadline_passed_is_red():
    assert rules.assess(facts(deadline=D(2024, 6, 30), progress=Decimal(90)), D(2024, 7, 1), R).status == "red"


def test_score_uses_configured_points():
    f = rules.UnitFacts(reports_on_time=10, reports_missing=2, tasks_red=1, notices_unanswered=1)
    assert rules.score(f, R) == Decimal(100 + 10 - 6 - 3 - 4)
    assert rules.score(f, {**R, "score_base": 60}) == Decimal(60 + 10 - 6 - 3 - 4)


def test_validate_rules_refuses_bad_values():
    import pytest

    with pytest.raises(ValueError):
        rules.validate_rules({"report_day": 31})
    with pytest.raises(ValueError):
        rules.validate_rules({"behind_yellow_points": 30, "behind_red_points": 20})
    with pytest.raises(ValueError):
        rules.validate_rules({"score_base": "abc"})
    assert rules.validate_rules({"report_day": "20"}) == {"report_day": 20}
