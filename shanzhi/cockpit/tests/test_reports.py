"""The bulletin: generated into the archive, opened with python-docx, tables read back."""

import datetime

import pytest
from django.utils import translation
from docx import Document

from shanzhi.cockpit import reports, services
from shanzhi.cockpit.models import Report
from shanzhi.core.errors import ValidationError
from shanzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def tables_by_header(doc) -> dict[str, list[list[str]]]:
    out = {}
    for t in doc.tables:
        rows = [[c.text for c in r.cells] for r in t.rows]
        out.setdefault(tuple(rows[0]), []).append(rows[1:])
    return out


def test_bulletin_tables_read_back(known, org):
    with translation.override("en"):
        report = services.report_generate(actor=org.users["leader"], month=known.month)
    assert report.community_id is None and report.department_id is None
    assert AuditEvent.objects.filter(action="create", object_id=str(report.pk)).exists()
    with report.file.open("rb") as fh:
        doc = Document(fh)
    tables = tables_by_header(doc)
    cases_header = (
        "Received",
        "Closed",
        "Open",
        "Overdue",
        "Valid call-backs",
        "Response rate %",
        "Resolution rate %",
        "Satisfaction rate %",
        "Composite",
    )
    assert tables[cases_header] == [[["5", "3", "2", "1", "3", "100.0", "66.7", "96.7", "82.0"]]]
    ranking_header = (
        "Rank",
        "Name",
        "Received",
        "Valid call-backs",
        "Response rate %",
        "Resolution rate %",
        "Satisfaction rate %",
        "Composite",
    )
    communities, departments = tables[ranking_header]
    assert [(r[0], r[1], r[7]) for r in communities] == [("1", "乙社区", "100.0"), ("2", "甲社区", "73.0")]
    assert [(r[0], r[1]) for r in departments] == [("1", "卫生服务中心"), ("2", "城管执法队")]
    red, black = tables[("Name", "Kind", "Composite", "Valid call-backs")]
    assert red[0][0] in ("乙社区", "卫生服务中心") and red[0][2] == "100.0"
    assert black[0][0] in ("甲社区", "城管执法队")
    # Charts are embedded as images.
    assert len(doc.inline_shapes) >= 2
    categories = tables[("Category", "Received", "Closed", "Overdue")][0]
    assert {r[0]: r[1] for r in categories} == {"环境保护": "3", "城乡建设": "2"}


def test_community_bulletin_is_scoped(known, org):
    with translation.override("en"):
        report = services.report_generate(actor=org.users["community"], month=known.month)
    assert report.community == org.communities["A"]
    with report.file.open("rb") as fh:
        doc = Document(fh)
    text = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "乙社区" not in text and "甲社区" in text
    assert Report.objects.restrict(org.others["community"]).filter(pk=report.pk).count() == 0


def test_future_month_refused(org):
    with pytest.raises(ValidationError):
        services.report_generate(
            actor=org.users["leader"], month=datetime.date.today().replace(day=1) + datetime.timedelta(days=40)
        )


def test_monthly_job_runs_once(known, org):
    first = services.monthly_bulletin_job(known.today)
    assert first is not None and first.is_automatic and first.created_by is None
    assert services.monthly_bulletin_job(known.today) is None
    assert Report.objects.filter(is_automatic=True).count() == 1


def test_chart_without_cjk_font_still_renders(monkeypatch):
    from shanzhi.cockpit import charts

    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    png = charts.bar_chart(["甲", "B"], [1, 2], title="标题")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_system_viewer_sees_everything(known):
    data = reports.collect(reports.SystemViewer(), known.month)
    assert data.cases["total"] == 5
