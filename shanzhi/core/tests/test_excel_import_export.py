"""Reading uploaded tables (core.excel.read_table) and writing xlsx exports: what a hostile or
sloppy file does, and what reaches the person who opens an export."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook

from shanzhi.core.errors import ImportRowError
from shanzhi.core.excel import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, TableReadError, read_table
from shanzhi.testing.files import xlsx_bytes


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture(autouse=True)
def _english():
    """Messages compared in English (the site's default is Chinese)."""
    with translation.override("en"):
        yield


# ----------------------------------------------------------------------------- exports


def test_export_writes_a_formula_like_title_as_text(org, client_for):
    """A case titled =HYPERLINK(…) must not become a live formula in the list's export."""
    from shanzhi.cases.tests.factories import make_case

    evil = '=HYPERLINK("http://evil.example/","x")'
    make_case(org, title=evil)
    r = client_for("leader").get("/cases/?export=xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == evil]
    assert len(cells) == 1, [c.value for row in ws.iter_rows(min_row=2) for c in row]
    assert cells[0].data_type == "s"


def test_export_file_name_keeps_its_chinese_name_and_extension(org, client_for):
    r = client_for("leader").get("/cases/?export=xlsx")
    disposition = r["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    match = re.search(r"filename\*=utf-8''(\S+)", disposition, flags=re.IGNORECASE)
    assert match, disposition
    name = unquote(match.group(1))
    assert name.startswith("案件") and name.endswith(".xlsx"), name


# ----------------------------------------------------------------------------- size bombs


def test_a_declared_huge_sheet_is_not_padded_in_memory():
    """A small file declaring A1:XFD400 (16,384 columns) is read at the size it really has."""
    data = xlsx_bytes([("description", "category"), *[(f"第{i}行", "x") for i in range(399)]], "A1:XFD400")
    tracemalloc.start()
    try:
        table = read_table(upload(data, "bomb.xlsx"))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(table) == 399 and table[0] == {"description": "第0行", "category": "x"}
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_a_value_far_to_the_right_is_refused_with_its_row():
    data = xlsx_bytes([("description",), ("路灯坏了",), None, ("垃圾",) + (None,) * 300 + ("far",)])
    with pytest.raises(TableReadError) as exc:
        read_table(upload(data, "wide.xlsx"))
    assert "Row 4" in str(exc.value) and "200" in str(exc.value)


def test_an_upload_over_the_byte_limit_is_refused_before_it_is_read():
    data = b"description\n" + b"x" * MAX_IMPORT_BYTES
    with pytest.raises(TableReadError) as exc:
        read_table(upload(data, "big.csv"))
    assert f"{MAX_IMPORT_BYTES // (1024 * 1024)} MB" in str(exc.value)


def test_a_workbook_that_unpacks_to_gigabytes_is_refused():
    buf = io.BytesIO(xlsx_bytes([("description",), ("路灯坏了",)]))
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("xl/media/padding.bin", "w", force_zip64=True) as f:
            block = bytes(1024 * 1024)
            for _ in range(9 * MAX_IMPORT_BYTES // len(block)):
                f.write(block)
    assert len(buf.getvalue()) < MAX_IMPORT_BYTES
    with pytest.raises(TableReadError) as exc:
        read_table(upload(buf.getvalue(), "zip.xlsx"))
    assert "unpacks" in str(exc.value)


def test_too_many_rows_stop_the_reading_at_once():
    """The row limit is met before the rest of the file is read (an unreadable record after it
    is never reached)."""
    body = "description\n" + "x\n" * (MAX_IMPORT_ROWS + 1) + "x" * 140_000 + "\n"
    with pytest.raises(TableReadError) as exc:
        read_table(upload(body.encode(), "many.csv"))
    assert "Too many rows" in str(exc.value)


# ----------------------------------------------------------------------------- CSV records


def test_a_csv_field_over_the_csv_limit_is_a_read_error_with_its_record_number():
    body = "description,title\n路灯坏了,a\n" + "x" * 140_000 + ",b\n"
    with pytest.raises(TableReadError) as exc:
        read_table(upload(body.encode(), "long.csv"))
    assert "Record 3" in str(exc.value)


def test_an_unclosed_quote_in_a_csv_is_an_error_not_glued_text():
    body = 'description,title\n"路灯坏了,a\n垃圾,b\n'
    with pytest.raises(TableReadError) as exc:
        read_table(upload(body.encode(), "quote.csv"))
    assert "Record 2" in str(exc.value)


# ----------------------------------------------------------------------------- rows and headers


def test_rows_keep_their_spreadsheet_numbers_across_blank_rows():
    data = xlsx_bytes([None, ("description", "title"), ("a", "1"), None, None, ("b", "2")])
    table = read_table(upload(data, "gaps.xlsx"))
    assert [(r["description"], r.number) for r in table] == [("a", 3), ("b", 6)]
    assert table.header_number == 2 and table.headers == ["description", "title"]
    csv_table = read_table(upload("description\n\na\n\nb\n".encode("gb18030"), "gaps.csv"))
    assert [(r["description"], r.number) for r in csv_table] == [("a", 3), ("b", 5)]


def test_a_header_written_twice_is_refused():
    with pytest.raises(TableReadError) as exc:
        read_table(upload(b"description,title,description\na,b,c\n", "twice.csv"))
    assert "description" in str(exc.value) and "A" in str(exc.value) and "C" in str(exc.value)


def test_a_file_with_only_a_header_is_refused():
    with pytest.raises(TableReadError) as exc:
        read_table(upload(xlsx_bytes([("description", "title")]), "empty.xlsx"))
    assert "no data rows" in str(exc.value)


def test_missing_required_columns_name_the_header_row_and_what_it_has():
    """A blank first row, then a semicolon-separated header: the message says where the header
    was read and what it holds."""
    with pytest.raises(TableReadError) as exc:
        read_table(upload(b"\nindicator;year;month;value\nx;2025;1;3\n", "semi.csv"), required=["indicator"])
    assert "row 2" in str(exc.value) and "indicator;year;month;value" in str(exc.value)


def test_control_characters_are_stripped_from_read_values():
    table = read_table(upload("\ufeffdescription\n路灯\x01坏了\x0b\n".encode(), "ctl.csv"))
    assert table[0]["description"] == "路灯坏了"


# ----------------------------------------------------------------------------- language


def test_read_errors_and_row_errors_are_in_the_users_language():
    with translation.override("zh-hans"):
        with pytest.raises(TableReadError) as exc:
            read_table(upload(b"", "x.csv"))
        text = re.sub(r"Excel|xlsx|CSV", "", str(exc.value))  # names of formats, not English
        assert not re.search(r"[A-Za-z]{3}", text), str(exc.value)
        (message,) = ImportRowError(7, "原因", column="诉求内容").messages
        assert "row" not in message and "7" in message and "诉求内容" in message
    assert ImportRowError(7, "why", column="诉求内容").messages == ["row 7, column 诉求内容: why"]
