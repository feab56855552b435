"""What the case import page (/cases/import/) tells the person whose file it refuses, after a QA
pass: a file that is no table says so (it read a PDF as a CSV and answered "header but no data
rows"), a bad value is quoted, a switched-off or deleted category is not "unknown", and the page
lists the Chinese header names and offers a template that imports as it is."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from shanzhi.cases.bulk import IMPORT_ALIASES
from shanzhi.cases.models import Case
from shanzhi.cases.tests.factories import make_categories
from shanzhi.testing.files import xlsx_bytes as xlsx

pytestmark = pytest.mark.django_db

NOT_A_TABLE = "not an Excel workbook (.xlsx) or a CSV file"


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return buf.getvalue()


# A small PDF without a NUL byte: it decoded as GB18030 and was read as a CSV.
SMALL_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# Binary without a NUL that decodes as GB18030: control and private-use characters throughout.
GARBAGE = bytes([0x01, 0x02, 0x03, 0xAA, 0xA1, 0x04, 0x05, 0x41, 0x0E, 0x0F, 0xFE, 0xFE, 0x10, 0x11, 0x42]) * 8


@pytest.fixture
def post_file(org, client_for):
    """post_file(data, name) → (status, page text in English) as a leader."""
    from django.conf import settings

    client = client_for("leader")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def post(data: bytes, name: str):
        r = client.post("/cases/import/", {"file": SimpleUploadedFile(name, data)})
        return r.status_code, r.content.decode()

    return post


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("report.pdf", SMALL_PDF, "a PDF document"),
        ("report.pdf.csv", SMALL_PDF, "a PDF document"),
        ("letter.docx", _docx(), "a Word document"),
        ("photo.png", _png(), "an image"),
        ("garbage.csv", GARBAGE, ""),
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
            "an old-format Office file (.xls, .doc) or a workbook with a password",
        ),
    ],
)
def test_a_file_that_is_no_table_says_so_whatever_its_name(org, post_file, name, data, said):
    status, page = post_file(data, name)
    assert status == 200
    assert NOT_A_TABLE in page or "neither an Excel workbook (.xlsx) nor a CSV" in page, page
    if said:  # named when it is recognised
        assert f"The file is {said}, not an Excel workbook" in page, page
    assert "no data rows" not in page and "no column for the description" not in page
    assert not Case.all_objects.exists()


def test_an_empty_file_says_it_is_no_table(org, post_file):
    for data in (b"", b" \r\n\n"):
        status, page = post_file(data, "empty.csv")
        assert status == 200 and "empty" in page and "neither an Excel workbook (.xlsx) nor a CSV" in page


def test_a_csv_by_content_is_read_whatever_its_name(org, post_file):
    """By content, not by name: a CSV saved as .xlsx imports, and so does a workbook named .csv."""
    make_categories(org)
    status, page = post_file("诉求内容\n路灯坏了\n".encode("gb18030"), "hotline.xlsx")
    assert status == 302, page
    status, page = post_file(xlsx([("诉求内容",), ("垃圾满了",)]), "hotline.csv")
    assert status == 302, page
    assert Case.objects.count() == 2


@pytest.mark.parametrize(
    ("header", "value", "quoted"),
    [
        ("category", "XYZ", "Unknown category “XYZ”"),
        ("性质", "不知道", "Unknown nature of request “不知道”"),
        ("类型", "传真", "Unknown kind of case “传真”"),
        ("受理时间", "下周一", "Unreadable date and time “下周一”"),
        ("经度", "东经116", "“东经116”"),
        ("category", "Q" * 100, "Unknown category “" + "Q" * 39 + "…”"),
        ("地址", "长" * 301, "“" + "长" * 39 + "…” is too long"),
    ],
)
def test_a_bad_value_is_quoted_shortened_with_its_row_and_column(org, post_file, header, value, quoted):
    make_categories(org)
    status, page = post_file(xlsx([("诉求内容", header), ("路灯坏了", ""), ("垃圾", ""), ("噪音", value)]), "bad.xlsx")
    assert status == 200 and f"row 4, column {header}" in page and quoted in page, page
    assert "Q" * 41 not in page
    assert not Case.all_objects.exists()


def test_a_switched_off_or_deleted_category_is_not_called_unknown(org, post_file):
    from shanzhi.core.services import soft_delete

    cats = make_categories(org)
    cats["clinic"].is_active = False
    cats["clinic"].save(update_fields=["is_active"])
    soft_delete(cats["other"], actor=org.users["admin"])
    status, page = post_file("诉求内容,分类\n路灯坏了,urban-garbage\n看病难,health-clinic\n".encode(), "off.csv")
    assert status == 200 and "row 3, column 分类" in page
    assert "“health-clinic” is switched off" in page and "Unknown category" not in page, page
    status, page = post_file("诉求内容,分类\n路灯坏了,urban-garbage\n其他,urban-other\n".encode(), "deleted.csv")
    assert status == 200 and "row 3, column 分类" in page
    assert "“urban-other” has been deleted" in page and "Unknown category" not in page, page
    assert not Case.all_objects.exists()


def test_the_page_lists_every_accepted_header_name_and_links_the_template(org, client_for):
    page = client_for("leader").get("/cases/import/").content.decode()
    for names in IMPORT_ALIASES.values():
        for name in names:
            assert f">{name}</code>" in page, name
    assert 'href="/cases/import/template/"' in page


def _fill(content: bytes, row: dict[str, str]) -> bytes:
    """The downloaded template with one more row, written under the headers it has."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    headers = rows[0]
    rows.append([row.get(h, "") for h in headers])
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("language", "description", "category"), [("zh-hans", "诉求内容", "分类编码"), ("en", "description", "category")]
)
def test_the_template_in_the_users_language_imports_when_filled(org, client_for, language, description, category):
    from django.conf import settings

    make_categories(org)
    client = client_for("leader")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    r = client.get("/cases/import/template/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[0] == description and category in headers and len(headers) == len(IMPORT_ALIASES)
    assert sheet.max_row == 2  # one example row
    filled = _fill(r.content, {description: "楼道灯不亮", category: "health-clinic"})
    r = client.post("/cases/import/", {"file": SimpleUploadedFile("filled.xlsx", filled)})
    assert r.status_code == 302, r.content.decode()
    cases = {c.description: c for c in Case.objects.all()}
    assert len(cases) == 2 and cases["楼道灯不亮"].category.code == "health-clinic"


def test_the_template_is_refused_to_a_role_that_may_not_import(org, client_for):
    for role in ("community", "dept", "grid", "resident"):
        assert client_for(role).get("/cases/import/").status_code == 403, role
        assert client_for(role).get("/cases/import/template/").status_code == 403, role
    assert client_for("admin").get("/cases/import/template/").status_code == 200


def test_the_quoted_value_reads_in_chinese(org, client_for):
    from django.conf import settings

    make_categories(org)
    client = client_for("leader")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = "诉求内容,category\n路灯坏了,\n垃圾,\n噪音,XYZ\n".encode()
    page = client.post("/cases/import/", {"file": SimpleUploadedFile("c.csv", body)}).content.decode()
    assert "第 4 行，“category”列：未知的分类“XYZ”" in page, page
