"""Simplified Chinese is complete: no untranslated or fuzzy entry in any catalogue, and every
string the code marks for translation is in its app's catalogue."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 5


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated in {po_path}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {po_path}: {fuzzy[:10]}"


def _app_dirs():
    return sorted(p.parent.parent.parent.parent for p in CATALOGUES)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
@pytest.mark.parametrize("app_dir", _app_dirs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_covers_every_marked_string(app_dir, tmp_path):
    """Run makemessages on a copy of the app and compare its msgids with the committed ones."""
    copy = tmp_path / "app"
    shutil.copytree(app_dir, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo"))
    env_cmd = [sys.executable, "-P", "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v", "0"]
    if app_dir.name == "shanzhi":  # the project-level catalogue holds the shared templates only
        copy = tmp_path / "templates"
        shutil.copytree(app_dir / "templates", copy)
        (copy / "locale").mkdir()
    import os

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shanzhi.settings", "PYTHONPATH": str(ROOT.parent)}
    if app_dir.name == "shanzhi":
        env_cmd += ["--settings", "shanzhi.core.tests.settings_locale_probe"]
    r = subprocess.run(env_cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    fresh = polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))
    committed = {(e.msgid, e.msgctxt) for e in polib.pofile(str(app_dir / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    missing = sorted({e.msgid for e in fresh if (e.msgid, e.msgctxt) not in committed})
    assert not missing, f"strings marked in {app_dir.name} but missing from its catalogue: {missing[:15]}"


KNOWN_KEYWORDS = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "gettext_noop",
}


def test_gettext_is_not_aliased_to_names_makemessages_ignores():
    """`from django.utils.translation import gettext_lazy as _l` hides every `_l("…")` string
    from makemessages, so it would silently stay English."""
    import re

    pattern = re.compile(r"from django\.utils\.translation import [^\n]*\bas (\w+)")
    offenders = []
    for path in ROOT.glob("**/*.py"):
        if "locale" in path.parts or "migrations" in path.parts:
            continue
        if path.name == "test_translations.py":
            continue
        for alias in pattern.findall(path.read_text(encoding="utf-8")):
            if alias not in KNOWN_KEYWORDS:
                offenders.append(f"{path.relative_to(ROOT)}: as {alias}")
    assert not offenders, offenders


def test_no_app_catalogue_is_overridden_by_another():
    """Django merges every app's catalogue into one: for a (context, msgid) that several apps
    translate, the app listed first in INSTALLED_APPS (or the project catalogue in LOCALE_PATHS)
    wins and the others silently show its wording. Either the wording is the same everywhere or
    the app gives its use a context (`pgettext`, `{% translate "…" context "…" %}`)."""
    seen = {}
    for po_path in CATALOGUES:
        app = po_path.relative_to(ROOT).parts[0]
        where = "project (LOCALE_PATHS)" if app == "locale" else app
        for e in polib.pofile(str(po_path)):
            if not e.obsolete:
                text = e.msgstr if not e.msgid_plural else " | ".join(v for _, v in sorted(e.msgstr_plural.items()))
                seen.setdefault((e.msgctxt, e.msgid), {})[where] = text
    clashes = [
        f"{'[' + ctxt + '] ' if ctxt else ''}{msgid!r}: "
        + ", ".join(f"{app}={msgstr}" for app, msgstr in sorted(by_app.items()))
        for (ctxt, msgid), by_app in sorted(seen.items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))
        if len(set(by_app.values())) > 1
    ]
    assert not clashes, f"{len(clashes)} strings translated differently by different apps:\n" + "\n".join(clashes)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_id_is_english(po_path):
    """English is the fallback: a Chinese msgid ("督办") showed Chinese on the English page."""
    import re

    chinese = [
        e.msgid
        for e in polib.pofile(str(po_path))
        if re.search(r"[\u3400-\u9fff]", e.msgid) and not re.search(r"[A-Za-z]{2}", e.msgid)
    ]
    assert not chinese, f"msgids without English in {po_path}: {chinese[:10]}"
