"""Static checks over every template of the project."""

from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for p in ROOT.glob("**/templates/**/*.html"))
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TableFinder(HTMLParser):
    """Tables with no `.table-responsive` around them (Django's tags are plain text here)."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, is a table-responsive wrapper)
        self.bare: list[int] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table" and not any(wrapper for _, wrapper in self.stack):
            self.bare.append(self.getpos()[0])
        if tag not in VOID:
            classes = (dict(attrs).get("class") or "").split()
            self.stack.append((tag, "table-responsive" in classes))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):  # tolerate tags closed out of order
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break


def test_there_are_templates():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_table_scrolls_inside_its_own_box(path):
    """Cells do not wrap (shanzhi.css), so on a phone a table wider than the screen must scroll
    inside a `.table-responsive`, not widen the whole page."""
    finder = _TableFinder()
    finder.feed(path.read_text(encoding="utf-8"))
    assert not finder.bare, f"{path.relative_to(ROOT)}: <table> without .table-responsive at lines {finder.bare}"


class _LabelFinder(HTMLParser):
    """Field labels (`.form-label`) that name no control: no `for`, no control inside, no id
    for an `aria-labelledby` (clicking the label did nothing and screen readers read the field
    unnamed)."""

    def __init__(self):
        super().__init__()
        self.unnamed: list[int] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label" and "form-label" in (a.get("class") or "").split() and not (a.get("for") or a.get("id")):
            self.unnamed.append(self.getpos()[0])


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_field_label_names_its_control(path):
    finder = _LabelFinder()
    finder.feed(path.read_text(encoding="utf-8"))
    assert not finder.unnamed, f"{path.relative_to(ROOT)}: a .form-label without for= at lines {finder.unnamed}"


def test_no_empty_menu_button_for_visitors(client, org):
    """A visitor's phone-sized page had a ☰ button opening an empty panel (visitors have no
    menu); staff keep theirs."""
    from django.test import Client

    assert "navbar-toggler" not in client.get("/cases/submit/").content.decode()
    staff = Client()
    staff.force_login(org.users["admin"])
    assert "navbar-toggler" in staff.get("/cases/").content.decode()


def test_no_upload_is_linked_or_served_under_media():
    """Uploads go through a view that checks the viewer's scope (core.views.ScopedFileView). A
    template linking `….file.url` hands out a /media address the web server serves to anyone;
    the development server served /media too."""
    import re

    from django.urls import Resolver404, resolve

    root = Path(__file__).resolve().parents[2]
    linked = [
        f"{path.relative_to(root)}: {m.group(0)}"
        for path in root.rglob("templates/**/*.html")
        for m in re.finditer(r"\.(?:file|image|attachment|photo|upload)\.url\b", path.read_text(encoding="utf-8"))
    ]
    assert linked == []
    with pytest.raises(Resolver404):
        resolve("/media/projects/2026/11/x.png")
