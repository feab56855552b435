"""Turn an uploaded file into text for :func:`parse_plan`."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


class DocumentError(ValueError):
    """The upload is not a readable text or Word document (shown to the user as is)."""


def read_text(data: bytes) -> str:
    """Decode a plain-text upload: UTF-8 (with or without BOM), else GB18030.

    Government sites still publish GBK/GB2312 files; GB18030 is a superset of both, so
    it is the one fallback needed.
    """
    if not data or not data.strip():
        raise DocumentError("The file is empty.")
    if b"\x00" in data[:4096]:
        # UTF-16 text or a binary file (zip, PDF, image): neither is what we accept.
        raise DocumentError("The file is not plain text (it contains binary data).")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        if not text.strip():
            raise DocumentError("The file is empty.")
        return text
    raise DocumentError("The file is not text in UTF-8 or GB18030.")


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\n\r\f\v")
    return controls > max(2, len(sample) // 100)


def read_docx(source: str | Path | bytes) -> str:
    """Text of a .docx file: paragraphs (and table cells) joined with newlines."""
    try:
        import docx  # python-docx; imported here so the text path needs no extra package
    except ImportError as exc:  # pragma: no cover - python-docx is a runtime dependency
        raise DocumentError("Reading .docx needs python-docx.") from exc

    if isinstance(source, bytes | bytearray):
        if not source:
            raise DocumentError("The file is empty.")
        stream: io.BytesIO | str = io.BytesIO(source)
    else:
        path = Path(source)
        if not path.is_file() or path.stat().st_size == 0:
            raise DocumentError(f"The file {path.name} is missing or empty.")
        stream = str(path)
    try:
        document = docx.Document(stream)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError("The file is not a valid .docx document.") from exc
    except Exception as exc:  # lxml/python-docx raise various errors on corrupt parts
        raise DocumentError("The file is not a valid .docx document.") from exc

    lines = [p.text for p in document.paragraphs]
    # Some plans keep their targets in a table; keep cell text so nothing is lost.
    for table in document.tables:
        for row in table.rows:
            cells: list[str] = []
            for cell in row.cells:
                if cell.text not in cells:  # merged cells repeat their text
                    cells.append(cell.text)
            lines.append("\t".join(cells))
    text = "\n".join(lines)
    if not text.strip():
        raise DocumentError("The .docx document contains no text.")
    return text
