"""Texts the system writes — a routing reason, a timeline step's note, a notice's title — kept
so that every reader sees them in their own language.

`gettext()` at the moment of writing fixes the language of whoever happened to act: a case
submitted through an English API client carried English reasons for the Chinese dispatcher,
and every reader of the English site saw the Chinese steps of the deadline job. A `Text`
instead keeps the English message id and its parameters; it is translated when it is shown
(`str()` in the active language, as templates, serializers and exports do).

    Text(gettext_noop("Deadline near: %(c)s"), c=case.code)

Mark the message with `gettext_noop` so that makemessages finds it. Parameters are plain
values (names, codes and numbers are data and stay as they are), other `Text`s, lists of
`Text`s (joined in the reader's language) or `Text.choice(SomeChoices, value)` (a choice's
label). `SystemTextField` stores a `Text` as a marked JSON string and a person's own words
as they are; the mark cannot be typed in, so a user's note never passes for a system text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext, pgettext

MARK = "\x1e"  # ASCII record separator: starts a stored Text; stripped from anything a person types


class Text:
    """A message id and its parameters, rendered in the active language by `str()`."""

    __slots__ = ("_encoded", "context", "msgid", "params")

    def __init__(self, msgid: str, /, *, context: str = "", **params: Any):
        self.msgid, self.context, self.params = msgid, context, params
        self._encoded: str | None = None

    @staticmethod
    def choice(choices: type[models.Choices], value: Any) -> dict:
        """A parameter shown as the label of `value` in `choices`, in the reader's language."""
        return {"$c": f"{choices.__module__}:{choices.__qualname__}", "v": value}

    @classmethod
    def join(cls, items: list[Text]) -> Text:
        """Several texts shown as one, separated as the reader's language separates clauses."""
        return cls("%(items)s", items=list(items))

    @classmethod
    def lines(cls, items: list[Text]) -> Text:
        """Several texts, one a line (the layout is no message: it has no translation)."""
        return cls("\n".join(f"%(l{i})s" for i in range(len(items))), **{f"l{i}": t for i, t in enumerate(items)})

    def __str__(self) -> str:
        if not self.msgid:
            return ""  # gettext("") is the catalogue's header
        message = pgettext(self.context, self.msgid) if self.context else gettext(self.msgid)
        if not self.params:
            return message
        params = {k: _render(v) for k, v in self.params.items()}
        try:
            return message % params
        except (KeyError, ValueError, TypeError):
            # Records outlive code: a message changed since this one was stored (or a faulty
            # translation) shows the original with its values rather than breaking the page.
            try:
                return self.msgid % params
            except (KeyError, ValueError, TypeError):
                return f"{self.msgid} {params}"

    def __bool__(self) -> bool:
        return bool(self.msgid)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(self.encode())

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, {self.params!r})"

    def __html__(self) -> str:  # templates escape it like any other string
        from django.utils.html import escape

        return escape(str(self))

    def to_json(self) -> dict:
        out: dict[str, Any] = {"$t": self.msgid}
        if self.context:
            out["ctx"] = self.context
        if self.params:
            out["p"] = {k: _param_json(v) for k, v in self.params.items()}
        return out

    @classmethod
    def from_json(cls, data: dict) -> Text:
        params = {k: _param_from_json(v) for k, v in (data.get("p") or {}).items()}
        return cls(data["$t"], context=data.get("ctx", ""), **params)

    def encode(self) -> str:
        """The stored form (made once: a bulk import writes one text on many rows)."""
        if self._encoded is None:
            self._encoded = MARK + json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))
        return self._encoded


def _param_json(value: Any) -> Any:
    if isinstance(value, Text):
        return value.to_json()
    if isinstance(value, (list, tuple)):
        return [_param_json(v) for v in value]
    if isinstance(value, (str, int, float, bool, dict)) or value is None:
        return value
    return str(value)  # a model instance or a date: its text at the time (data, not a message)


def _param_from_json(value: Any) -> Any:
    if isinstance(value, dict) and "$t" in value:
        return Text.from_json(value)
    if isinstance(value, list):
        return [_param_from_json(v) for v in value]
    return value


def _render(value: Any) -> Any:
    if isinstance(value, Text):
        return str(value)
    if isinstance(value, list):
        return pgettext("list separator", "; ").join(str(_render(v)) for v in value)
    if isinstance(value, dict) and "$c" in value:
        return _choice_label(value)
    return value


def _choice_label(value: dict) -> str:
    module, _sep, qualname = value["$c"].partition(":")
    if module.split(".")[0] != "shanzhi":  # stored data names our own choices only: import nothing else
        return str(value.get("v", ""))
    try:
        choices = import_string(module + "." + qualname.split(".")[0])
        for part in qualname.split(".")[1:]:
            choices = getattr(choices, part)
        if not (isinstance(choices, type) and issubclass(choices, models.Choices)):
            return str(value.get("v", ""))
        return str(choices(value["v"]).label)
    except (ImportError, AttributeError, ValueError):  # a choice renamed since: its stored value
        return str(value.get("v", ""))


def decode(value: Any) -> Any:
    """A stored value as the reader should get it: a `Text` for a marked string, else as is."""
    if isinstance(value, str) and value.startswith(MARK):
        try:
            return Text.from_json(json.loads(value[1:]))
        except (ValueError, KeyError, TypeError):
            return value[1:]
    return value


def render(value: Any) -> Any:
    """For JSON that holds texts (a timeline step's data): each text rendered, the rest as is."""
    if isinstance(value, dict):
        if "$t" in value:
            return str(Text.from_json(value))
        return {k: render(v) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v) for v in value]
    return value


# Characters XML 1.0 does not allow (C0 controls but tab, newline and carriage return; lone
# surrogates; U+FFFE/U+FFFF). Invisible in a browser, but one in a record makes every XML feed
# and .xlsx export that carries it unreadable. The system-text mark is one of them.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def strip_controls(value: str) -> str:
    """Text from outside (a form, an API, a file) without the characters XML cannot carry."""
    # Every such character is non-printable, and most texts are all printable: a C-speed test
    # first keeps exports (ten cells a row) from running the pattern over every cell.
    return value if value.isprintable() else _NOT_IN_XML.sub("", value)


def plain(value: str) -> str:
    """A person's text made safe to store beside system texts (the mark removed)."""
    return value.replace(MARK, "") if MARK in value else value


class SystemTextField(models.TextField):
    """A text column that holds either a person's words or a `Text` (rendered per reader).
    Only the database's own values become `Text`s: a fixture (loaddata) brings them back as
    plain JSON text, so back up with the database's tools (docs/operations.md)."""

    def from_db_value(self, value, expression, connection):
        return decode(value)

    def to_python(self, value):
        # What reaches a field from outside the database (a form, a model's full_clean, a
        # fixture) is a person's words: it never becomes a system text, whatever it starts with.
        if value is None or isinstance(value, Text):
            return value
        return plain(str(value))

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, Text):
            return value.encode()
        return plain(str(value))

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return value.encode() if isinstance(value, Text) else (value or "")
