"""Real files for tests: workbooks built with openpyxl, crafted as an outside file can be."""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook


def xlsx_bytes(rows, dimension: str | None = None) -> bytes:
    """A workbook with these rows (None leaves a row blank); `dimension` overwrites the
    <dimension ref> its sheet declares, as a crafted file can."""
    wb = Workbook()
    ws = wb.active
    for r, values in enumerate(rows, start=1):
        for c, v in enumerate(values or (), start=1):
            if v is not None:
                ws.cell(row=r, column=c, value=v)
    buf = io.BytesIO()
    wb.save(buf)
    if dimension is None:
        return buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="%s"/>' % dimension.encode(), data)
            dst.writestr(info, data)
    return out.getvalue()
