"""Excel (xlsx) export of any list, and all-or-nothing table imports (xlsx / csv)."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from shanzhi.core.errors import ValidationError
from shanzhi.core.texts import strip_controls

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_ROWS = 100_000  # data rows (the header not counted)
MAX_IMPORT_COLUMNS = 200
MAX_IMPORT_BYTES = 64 * 1024 * 1024  # the uploaded file
# What an .xlsx may unpack to (the sizes its zip directory declares): 5 KB of XML can declare
# gigabytes, and openpyxl holds the shared strings in memory.
MAX_XLSX_UNPACKED_BYTES = 8 * MAX_IMPORT_BYTES


def _text_cell(ws, value: str) -> Any:
    """A person's text as a text cell: openpyxl makes a formula of any string that starts with
    "=", and a formula in an export runs on the reader's machine (=HYPERLINK, =WEBSERVICE…)."""
    if value[:1] != "=":
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def _cell(ws, value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, (int, float, datetime.date)):
        return value
    return _text_cell(ws, strip_controls(force_str(value)))  # openpyxl refuses control characters


def build_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str = "Sheet1",
    number_formats: Mapping[int, str] | None = None,
) -> bytes:
    """`number_formats`: a column's (0-based) Excel number format for its numbers, e.g. "0.0%"
    for fractions shown as percentages."""
    number_formats = number_formats or {}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Sheet1")
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=strip_controls(force_str(h)))
        c.data_type = "s"
        c.font = Font(bold=True)
        header_cells.append(c)
    ws.append(header_cells)
    for row in rows:
        cells = [_cell(ws, v) for v in row]
        for i, fmt in number_formats.items():
            if i < len(cells) and isinstance(cells[i], (int, float)):
                cells[i] = WriteOnlyCell(ws, value=cells[i])
                cells[i].number_format = fmt
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    filename: str,
    title: str = "",
    number_formats: Mapping[int, str] | None = None,
) -> HttpResponse:
    data = build_xlsx(headers, rows, title=title or filename, number_formats=number_formats)
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    # RFC 6266 (filename*=UTF-8''…): a Chinese name in a plain filename="…" is MIME-encoded by
    # Django as a whole, and browsers then save "download" without the extension.
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}-{stamp}.xlsx")
    return response


class TableReadError(ValidationError):
    pass


class Row(dict):
    """One data row keyed by the header row; `number` is its row in the spreadsheet (header = 1;
    for CSV its record number), blank rows counted, so errors name the row the user sees."""

    __slots__ = ("number",)


class Table(list):
    """The data rows of a file (`Row`s), with its headers as written (blank ones left out), the
    header's row number, and the file's SHA-256 and name."""

    headers: list[str]
    header_number: int
    sha256: str
    name: str


def _too_large() -> TableReadError:
    return TableReadError(_("The file is too large (at most %(mb)d MB).") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)})


def _not_a_table() -> TableReadError:
    return TableReadError(_("The file is neither an Excel workbook (.xlsx) nor a CSV text file."))


# What a file that is not a table often is, by its first bytes (whatever its name says): the
# message names it. Most of these would also fail as text, but a small PDF decodes as GB18030
# and was read as a CSV whose header was "%PDF-1.4".
_SIGNATURES = (  # (first bytes it may start with, what it is)
    ((b"%PDF-",), gettext_lazy("a PDF document")),
    (
        (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*"),
        gettext_lazy("an image"),
    ),
    ((b"RIFF",), gettext_lazy("an image, sound or video file")),
    ((b"{\\rtf",), gettext_lazy("a Word document")),
    ((b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07"), gettext_lazy("a compressed archive")),
    # OLE2: .xls, .doc, and also a workbook saved with a password.
    (
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
        gettext_lazy("an old-format Office file (.xls, .doc) or a workbook with a password"),
    ),
)
# Parts that name what else an Office Open XML / OpenDocument zip is.
_ZIP_KINDS = (
    ("word/", gettext_lazy("a Word document")),
    ("ppt/", gettext_lazy("a PowerPoint presentation")),
    ("content.xml", gettext_lazy("an OpenDocument file (save it as .xlsx)")),
)


def _not_a_table_but(kind) -> TableReadError:
    return TableReadError(
        _("The file is %(kind)s, not an Excel workbook (.xlsx) or a CSV file: save the table as one of those.")
        % {"kind": kind}
    )


def _looks_binary(text: str) -> bool:
    """Text decoded from a file that is not text: NUL, or control and private-use characters
    throughout (GB18030 decodes most byte strings). A stray control character or two in an
    exported CSV is common and is stripped from the values, so a few do not count."""
    if "\x00" in text:
        return True
    sample = text[:65536]
    odd = sum(
        1
        for ch in sample
        if (ch < " " and ch not in "\t\n\r\f\v")
        or "\x7f" <= ch <= "\x9f"
        or "\ue000" <= ch <= "\uf8ff"
        or ch == "\ufffd"
    )
    return odd >= 3 and odd * 20 >= len(sample)


def _decoded(raw: bytes) -> str | None:
    """The file as text (UTF-8, else GB18030, as Chinese Excel saves CSV), or None if it is not text."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        return None if _looks_binary(text) else text
    return None


def _csv_records(text: str) -> Iterator[tuple[int, Sequence[Any]]]:
    # strict: a quote left open is an error, not the rest of the file glued into one cell.
    reader = csv.reader(io.StringIO(text), strict=True)
    number = 0
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" in str(exc):
                reason = _("a field is longer than %(n)d characters") % {"n": csv.field_size_limit()}
            else:
                reason = _("a quotation mark is not closed or is followed by text (%(error)s)") % {"error": exc}
            raise TableReadError(
                _("Record %(n)d of the CSV file cannot be read: %(reason)s.") % {"n": number, "reason": reason}
            ) from None
        yield number, record


def _unreadable() -> TableReadError:
    return TableReadError(_("The file is not a readable Excel workbook (.xlsx)."))


def _xlsx_records(raw: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    unreadable = _unreadable()
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise unreadable from exc
    names = [info.filename.lower() for info in infos]
    if not any(n.endswith("workbook.xml") for n in names):  # a .docx, an .ods, any other zip
        kind = next((k for part, k in _ZIP_KINDS if any(n.startswith(part) for n in names)), None)
        raise _not_a_table_but(kind) if kind else _not_a_table()
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise TableReadError(
            _("The workbook unpacks to more than %(mb)d MB; save it again or split it.")
            % {"mb": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)}
        )
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise unreadable from exc
    try:
        ws = wb.worksheets[0]
        # The <dimension> a file declares is not trusted: openpyxl would pad every row to it
        # (A1:XFD1048576 in a 5 KB file is gigabytes). Rows come as written, missing ones empty.
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        yield from enumerate(ws.iter_rows(values_only=True), start=1)
    except TableReadError:
        raise
    except Exception as exc:  # a broken sheet shows only while it is read
        raise unreadable from exc
    finally:
        wb.close()


def _value(v: Any) -> str:
    if v is None:
        return ""
    if type(v) is str:
        return strip_controls(v).strip()
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    return strip_controls(force_str(v)).strip()


def _narrowed(values: Sequence[Any], number: int) -> Sequence[Any]:
    """A row cut to MAX_IMPORT_COLUMNS when all beyond is empty (formatted cells), else refused."""
    if any(v is not None and v != "" for v in values[MAX_IMPORT_COLUMNS:]):
        raise TableReadError(
            _("Row %(row)d has a value beyond column %(n)d; a table has at most %(n)d columns.")
            % {"row": number, "n": MAX_IMPORT_COLUMNS}
        )
    return values[:MAX_IMPORT_COLUMNS]


def _headers(values: Sequence[Any], number: int) -> list[str]:
    headers = [_value(h) for h in values]
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        if not h:
            continue
        if h in seen:
            raise TableReadError(
                _("The column “%(name)s” appears twice (columns %(first)s and %(second)s of row %(row)d); keep one.")
                % {
                    "name": h,
                    "first": get_column_letter(seen[h] + 1),
                    "second": get_column_letter(i + 1),
                    "row": number,
                }
            )
        seen[h] = i
    return headers


def _records(raw: bytes, name: str) -> Iterator[tuple[int, Sequence[Any]]]:
    """The file's records, read as what its content is (a workbook, a CSV text), not as what its
    name says; anything else is refused as not a table, named when it is recognised."""
    if raw.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _xlsx_records(raw)
    for signatures, kind in _SIGNATURES:
        if raw.startswith(signatures):
            raise _not_a_table_but(kind)
    text = _decoded(raw)
    if text is not None:
        return _csv_records(text)
    # Binary, of no kind recognised: a file named .xlsx is a broken workbook to its owner.
    raise _unreadable() if name.lower().endswith((".xlsx", ".xlsm")) else _not_a_table()


def read_table(uploaded, *, required: Sequence[str] = ()) -> Table:
    """Rows of an uploaded .xlsx or .csv as dicts keyed by the header row (stripped strings,
    without the control characters XML cannot carry), each with its spreadsheet row number.

    The header is the first row that is not blank; blank rows are skipped (their numbers are
    kept). Raises TableReadError for a file that is too large, not a table, without data rows,
    with a missing or repeated column, more than MAX_IMPORT_ROWS rows or a value beyond
    MAX_IMPORT_COLUMNS columns — as soon as it is seen, before the rest is read.
    """
    name = getattr(uploaded, "name", "") or ""
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_IMPORT_BYTES:
        raise _too_large()
    raw = uploaded.read(MAX_IMPORT_BYTES + 1) if hasattr(uploaded, "read") else bytes(uploaded)
    if len(raw) > MAX_IMPORT_BYTES:
        raise _too_large()
    if not raw.strip():
        raise TableReadError(
            _("The file is empty: it is neither an Excel workbook (.xlsx) nor a CSV file with a header row.")
        )
    records = _records(raw, name)
    table = Table()
    table.sha256 = hashlib.sha256(raw).hexdigest()
    table.name = name
    keys: list[tuple[int, str]] | None = None
    for number, record in records:
        values = record if len(record) <= MAX_IMPORT_COLUMNS else _narrowed(record, number)
        if not any(v is not None and v != "" for v in values):
            continue
        if keys is None:
            headers = _headers(values, number)
            table.headers = [h for h in headers if h]
            table.header_number = number
            missing = [c for c in required if c not in table.headers]
            if missing:
                raise TableReadError(
                    _("Missing columns: %(missing)s. The header (row %(row)d) has: %(found)s.")
                    % {"missing": ", ".join(missing), "row": number, "found": ", ".join(table.headers)}
                )
            keys = [(i, h) for i, h in enumerate(headers) if h]
            continue
        if len(table) == MAX_IMPORT_ROWS:
            raise TableReadError(_("Too many rows (at most %(n)d).") % {"n": MAX_IMPORT_ROWS})
        n = len(values)
        row = Row({h: _value(values[i]) if i < n else "" for i, h in keys})
        row.number = number
        table.append(row)
    if keys is None:
        raise TableReadError(_("The file has no rows."))
    if not table:
        raise TableReadError(_("The file has a header row but no data rows."))
    return table
