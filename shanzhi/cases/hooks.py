"""Callbacks for the records that raised a case (a patrol finding, a project blocker …).

Another app registers a handler for its model once, in its `AppConfig.ready()`:

    from shanzhi.cases.hooks import register_origin_handler
    register_origin_handler("fieldwork.finding", on_case_changed)   # func(case, action)

After each transition of a case whose `origin` is such a record, the handler is called once
the transaction has committed, with the case and the action ("close", "cancel", "reopen" …).
A failing handler is logged and does not undo the transition.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shanzhi.cases.models import Case

logger = logging.getLogger(__name__)

ORIGIN_HANDLERS: dict[str, Callable[[Case, str], None]] = {}


def register_origin_handler(model_label: str, func: Callable[[Case, str], None]) -> None:
    """Register `func(case, action)` for cases whose origin is a `model_label` ("app.model") record."""
    ORIGIN_HANDLERS[model_label.lower()] = func


def origin_label(case: Case) -> str | None:
    if not case.origin_type_id:
        return None
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_id(case.origin_type_id)
    return f"{ct.app_label}.{ct.model}"


def call_origin_handler(case: Case, action: str) -> None:
    label = origin_label(case)
    func = ORIGIN_HANDLERS.get(label or "")
    if func is None:
        return
    try:
        func(case, action)
    except Exception:  # one app's bug must not lose a committed transition
        logger.exception("origin handler for %s failed on case %s (%s)", label, case.pk, action)
