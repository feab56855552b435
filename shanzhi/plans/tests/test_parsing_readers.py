"""read_text / read_docx: uploads to text, with a clear DocumentError otherwise."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from shanzhi.plans.parsing import DocumentError, parse_plan, read_docx, read_text

from .test_parsing_support import _no_lockout_between_tests  # noqa: F401

SAMPLE = "一、稳增长\n地区生产总值增长6%以上。\n"


def docx_bytes(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_read_text_utf8_bom_and_gb18030() -> None:
    assert read_text(SAMPLE.encode("utf-8")) == SAMPLE
    assert read_text(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8")) == SAMPLE
    assert read_text(SAMPLE.encode("gb18030")) == SAMPLE


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"PK\x03\x04\x00\x00"])
def test_read_text_rejects_empty_and_binary(data: bytes) -> None:
    with pytest.raises(DocumentError):
        read_text(data)


def test_document_error_is_a_value_error() -> None:
    assert issubclass(DocumentError, ValueError)


def test_read_docx_from_bytes_and_path(tmp_path) -> None:
    data = docx_bytes(["一、稳增长", "地区生产总值增长6%以上。"])
    assert read_docx(data) == "一、稳增长\n地区生产总值增长6%以上。"
    path = tmp_path / "plan.docx"
    path.write_bytes(data)
    text = read_docx(path)
    plan = parse_plan(text)
    assert plan.indicators[0].name == "地区生产总值"


def test_read_docx_keeps_table_text() -> None:
    document = docx.Document()
    document.add_paragraph("一、指标")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "固定资产投资"
    table.rows[0].cells[1].text = "增长20%以上"
    buffer = io.BytesIO()
    document.save(buffer)
    assert "固定资产投资\t增长20%以上" in read_docx(buffer.getvalue())


def test_read_docx_rejects_bad_files(tmp_path) -> None:
    with pytest.raises(DocumentError):
        read_docx(b"")
    with pytest.raises(DocumentError):
        read_docx(b"this is plain text, not a zip")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    with pytest.raises(DocumentError):
        read_docx(zipped.getvalue())
    with pytest.raises(DocumentError):
        read_docx(docx_bytes(["", "  "]))
    with pytest.raises(DocumentError):
        read_docx(tmp_path / "missing.docx")
