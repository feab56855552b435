"""The case import page (/cases/import/) against what an outside audit tried: times out of range,
texts longer than their column, wrong or repeated headers, blank rows, the same file twice, a
broken CSV — each refused with the row and the column as the file names them, nothing written."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shanzhi.cases.models import Case
from shanzhi.cases.tests.factories import make_categories
from shanzhi.core.models import AuditEvent
from shanzhi.testing.files import xlsx_bytes as xlsx

pytestmark = pytest.mark.django_db


def csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


@pytest.fixture
def post_file(org, client_for):
    """post_file(data, name, again=False) → (status, page text in English) as a leader."""
    from django.conf import settings

    client = client_for("leader")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the site ignores Accept-Language

    def post(data: bytes, name: str, again: bool = False):
        form = {"file": SimpleUploadedFile(name, data)}
        if again:
            form["again"] = "on"
        r = client.post("/cases/import/", form)
        return r.status_code, r.content.decode()

    return post


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31 23:00", "1000-01-01", "1999-12-31 23:59", "2100-01-01"])
def test_a_reception_time_out_of_range_is_a_row_error_naming_the_column(org, post_file, value):
    make_categories(org)
    status, page = post_file(csv(f"诉求内容,受理时间\n路灯坏了,2025-03-01 09:30\n垃圾,{value}\n"), "t.csv")
    assert status == 200 and "row 3, column 受理时间" in page and value in page
    assert not Case.all_objects.exists()


@pytest.mark.parametrize(
    ("header", "limit"),
    [("诉求内容", 4000), ("标题", 200), ("地址", 300), ("姓名", 50), ("reporter_phone", 30)],
)
def test_a_text_longer_than_its_column_is_refused_not_cut(org, post_file, header, limit):
    long = "长" * (limit + 1)
    body = f"诉求内容,{header}\n路灯坏了,{'短'}\n垃圾,{long}\n" if header != "诉求内容" else f"诉求内容\n短\n{long}\n"
    status, page = post_file(csv(body), "long.csv")
    assert status == 200 and f"row 3, column {header}" in page and str(limit) in page
    assert not Case.all_objects.exists()


def test_control_characters_are_stripped_and_chinese_kind_labels_accepted(org, post_file):
    make_categories(org)
    body = "\ufeff诉求内容,类型,性质,标题\n路灯\x01坏了,热线来电,投诉,路\x0b灯\n企业用电,企业诉求,咨询,\n路面,Patrol finding,Complaint,\n"
    status, page = post_file(csv(body), "kinds.csv")
    assert status == 302, page
    cases = {c.description: c for c in Case.objects.all()}
    assert set(cases) == {"路灯坏了", "企业用电", "路面"}
    assert (cases["路灯坏了"].kind, cases["路灯坏了"].title, cases["路灯坏了"].nature) == (
        "hotline",
        "路灯",
        "complaint",
    )
    assert (cases["企业用电"].kind, cases["企业用电"].nature) == ("enterprise", "consultation")
    assert cases["路面"].kind == "finding"


@pytest.mark.parametrize(
    ("name", "data", "found"),
    [
        ("capital.csv", csv("Description,title\n路灯坏了,x\n"), "Description, title"),
        ("semicolon.csv", csv("description;category\n路灯坏了;urban-garbage\n"), "description;category"),
        ("titled.xlsx", xlsx([("案件导入表",), ("诉求内容", "分类编码"), ("路灯坏了", "urban-garbage")]), "案件导入表"),
    ],
)
def test_a_file_without_a_description_column_says_so_and_shows_its_headers(org, post_file, name, data, found):
    make_categories(org)
    status, page = post_file(data, name)
    assert status == 200 and "no column for the description" in page and found in page
    assert "诉求内容" in page  # the names it would accept
    assert "Describe the problem" not in page and not Case.all_objects.exists()


def test_a_repeated_header_and_a_header_only_file_are_refused(org, post_file):
    status, page = post_file(csv("诉求内容,标题,诉求内容\n路灯坏了,a,b\n"), "twice.csv")
    assert status == 200 and "appears twice" in page and "诉求内容" in page
    status, page = post_file(xlsx([("诉求内容", "标题")]), "header.xlsx")
    assert status == 200 and "no data rows" in page and "cases imported" not in page
    assert not Case.all_objects.exists()


def test_errors_name_the_spreadsheet_row_and_the_header_the_user_wrote(org, post_file):
    """Blank rows are counted (the header is row 2 here, row 4 is blank): the bad category is in
    row 6 of the sheet. Date cells and ISO times with an offset still read."""
    import datetime

    make_categories(org)
    rows = [
        None,
        ("诉求内容", "分类编码", "受理时间"),
        ("路灯坏了", "urban-garbage", datetime.datetime(2025, 3, 1, 9, 30)),
        None,
        ("垃圾", "urban-garbage", "2025-03-01T08:00:00+08:00"),
        ("噪音", "no-such-code", "2025-03-02 10:00"),
    ]
    status, page = post_file(xlsx(rows), "gaps.xlsx")
    assert status == 200 and "row 6, column 分类编码" in page, page
    assert not Case.all_objects.exists()
    status, page = post_file(xlsx(rows[:5]), "gaps-ok.xlsx")
    assert status == 302 and Case.objects.count() == 2


def test_the_same_file_twice_is_refused_unless_asked(org, post_file):
    make_categories(org)
    data = csv("诉求内容,分类编码\n路灯坏了,urban-garbage\n垃圾满了,urban-garbage\n", "gb18030")
    status, _page = post_file(data, "hotline.csv")
    assert status == 302 and Case.objects.count() == 2
    audit = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    digest = hashlib.sha256(data).hexdigest()
    assert audit.object_id == digest and audit.changes["sha256"] == digest and audit.changes["cases"] == 2
    status, page = post_file(data, "renamed.csv")
    assert status == 200 and "already imported" in page and "2 cases" in page and str(org.users["leader"]) in page
    assert Case.objects.count() == 2
    status, _page = post_file(data, "renamed.csv", again=True)
    assert status == 302 and Case.objects.count() == 4


def test_a_broken_csv_is_a_form_error_not_a_server_error(org, post_file):
    status, page = post_file(csv("诉求内容,标题\n路灯坏了,a\n" + "x" * 140_000 + ",b\n"), "long.csv")
    assert status == 200 and "Record 3" in page
    status, page = post_file(csv('诉求内容,标题\n"路灯坏了,a\n垃圾,b\n'), "quote.csv")
    assert status == 200 and "Record 2" in page
    assert not Case.all_objects.exists()


def test_the_import_link_follows_the_import_pages_permission(org, client_for):
    from shanzhi.accounts.models import Role
    from shanzhi.testing.factories import make_user

    desk = make_user("t-desk", Role.DEPT, department=org.departments["dispatch"])
    clients = {role: client_for(role) for role in ("leader", "admin", "community", "dept", "grid", "resident")}
    from django.test import Client

    clients["desk"] = Client()
    clients["desk"].force_login(desk)
    for role, client in clients.items():
        page = client.get("/cases/")
        link = 'href="/cases/import/"' in page.content.decode()
        allowed = client.get("/cases/import/").status_code == 200
        assert link == allowed, role
        assert link == (role in ("leader", "admin")), role


def test_the_case_list_keeps_export_only_columns_off_the_page(org, client_for):
    """At 1,280 px the case list scrolled sideways past the grid and the deadline: kind,
    reception time, the reporter's name and phone and the repeat calls are in the Excel export
    only."""
    from openpyxl import load_workbook

    from shanzhi.cases.tests.factories import make_case

    make_case(org, reporter_name="王先生", reporter_phone="13900001234")
    c = client_for("admin")
    page = c.get("/cases/")
    shown = [col.attr for col in page.context["columns"]]
    assert "reporter_phone" not in shown and "kind" not in shown and "deadline" in shown
    assert "13900001234" not in page.content.decode()
    sheet = load_workbook(io.BytesIO(c.get("/cases/?export=xlsx").content)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert len(headers) == len(shown) + 5 and "13900001234" in [cell.value for cell in sheet[2]]


def test_an_export_with_a_filter_it_cannot_read_shows_the_error_not_an_empty_file(org, client_for):
    c = client_for("admin")
    r = c.get("/cases/?export=xlsx&received_after=notadate")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    assert r.context["filterset"].errors.get("received_after")
    assert r.context["filterset"].errors["received_after"][0] in r.content.decode()  # shown by the field
    assert c.get("/cases/?export=xlsx&received_after=2025-01-01")["Content-Type"].startswith("application/vnd")


def test_the_service_itself_refuses_a_file_imported_before(org):
    """The check was in the page only: a command or another caller importing through the
    service created the cases twice."""
    from django.core.exceptions import ValidationError

    from shanzhi.cases import services
    from shanzhi.core.excel import read_table

    make_categories(org)
    data = "description\n路灯坏了\n".encode()
    services.cases_import(rows=read_table(SimpleUploadedFile("a.csv", data)), actor=org.users["admin"])
    with pytest.raises(ValidationError, match="已于"):
        services.cases_import(rows=read_table(SimpleUploadedFile("b.csv", data)), actor=org.users["admin"])
    assert Case.objects.count() == 1
    services.cases_import(rows=read_table(SimpleUploadedFile("b.csv", data)), actor=org.users["admin"], again=True)
    assert Case.objects.count() == 2
