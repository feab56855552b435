"""Excel (xlsx) export of any list, and all-or-nothing table imports (xlsx / csv)."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from shanzhi.core.errors import ValidationError
from shanzhi.core.texts import strip_controls

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_ROWS = 100_000


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, (int, float, datetime.date)):
        return value
    return strip_controls(force_str(value))  # openpyxl refuses control characters


def build_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Sheet1") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Sheet1")
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=force_str(h))
        c.font = Font(bold=True)
        header_cells.append(c)
    ws.append(header_cells)
    for row in rows:
        ws.append([_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], filename: str, title: str = ""
) -> HttpResponse:
    data = build_xlsx(headers, rows, title=title or filename)
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return response


class TableReadError(ValidationError):
    pass


def read_table(uploaded, *, required: Sequence[str] = ()) -> list[dict[str, str]]:
    """Rows of an uploaded .xlsx or .csv as dicts keyed by the header row (stripped strings).

    Raises TableReadError for a file that is not a table, an empty one, or missing columns.
    Row numbers in later errors are spreadsheet row numbers (header = row 1).
    """
    name = (getattr(uploaded, "name", "") or "").lower()
    raw = uploaded.read() if hasattr(uploaded, "read") else bytes(uploaded)
    if not raw:
        raise TableReadError("The file is empty.")
    rows: list[list[Any]]
    if name.endswith(".csv") or (not raw.startswith(b"PK") and not name.endswith(".xlsx")):
        text = None
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        if text is None or "\x00" in text:
            raise TableReadError("The file is neither an Excel workbook (.xlsx) nor a CSV text file.")
        rows = list(csv.reader(io.StringIO(text)))
    else:
        try:
            wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise TableReadError("The file is not a readable Excel workbook (.xlsx).") from exc
        ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if not rows:
        raise TableReadError("The file has no rows.")
    headers = [force_str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [c for c in required if c not in headers]
    if missing:
        raise TableReadError(
            "Missing columns: " + ", ".join(missing) + ". Found: " + ", ".join(h for h in headers if h)
        )
    if len(rows) - 1 > MAX_IMPORT_ROWS:
        raise TableReadError(f"Too many rows (at most {MAX_IMPORT_ROWS}).")
    out = []
    for r in rows[1:]:
        values = [
            (
                ""
                if v is None
                else (v.isoformat() if isinstance(v, (datetime.date, datetime.datetime)) else force_str(v)).strip()
            )
            for v in r
        ]
        values += [""] * (len(headers) - len(values))
        out.append({h: values[i] for i, h in enumerate(headers) if h})
    return out
