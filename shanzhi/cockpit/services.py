"""Writes of the cockpit app: generating a report into the archive, refreshing the rollup."""

from __future__ import annotations

import datetime
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.cockpit import reports, rollup
from shanzhi.cockpit.models import Report
from shanzhi.core import services as core_services
from shanzhi.core.errors import ValidationError
from shanzhi.core.scoping import LEVEL_COMMUNITY, LEVEL_DEPARTMENT, LEVEL_GRID, scope_for

logger = logging.getLogger(__name__)


def report_generate(
    *, actor, month: datetime.date, viewer=None, automatic: bool = False, is_generated: bool = False
) -> Report:
    """Generate the monthly bulletin of `month` as `viewer` sees it (default: the actor) and keep
    it in the archive. The monthly job passes actor=None and the system viewer (whole street)."""
    viewer = viewer or actor
    month = rollup.month_start(month)
    if month > timezone.localdate():
        raise ValidationError(_("A bulletin cannot be generated for a future month."))
    scope = scope_for(viewer)
    if scope.level == LEVEL_GRID:
        raise ValidationError(_("Bulletins are generated for the street, a community or a department."))
    community_id = next(iter(scope.community_ids)) if scope.level == LEVEL_COMMUNITY and scope.community_ids else None
    department_id = (
        next(iter(scope.department_ids)) if scope.level == LEVEL_DEPARTMENT and scope.department_ids else None
    )
    content = reports.bulletin(viewer, month)
    title = _("Supervision bulletin %(month)s — %(scope)s") % {
        "month": month.strftime("%Y-%m"),
        "scope": reports.selectors.scope_label(viewer),
    }
    filename = f"bulletin-{month:%Y-%m}-{timezone.now():%Y%m%d%H%M%S}.docx"
    with transaction.atomic():
        report = core_services.record_create(
            Report,
            actor=actor,
            kind=Report.Kind.BULLETIN,
            period=month,
            title=title[:200],
            community_id=community_id,
            department_id=department_id,
            file=ContentFile(content, name=filename),
            size=len(content),
            is_automatic=automatic,
            is_generated=is_generated,
        )
    return report


def monthly_bulletin_job(today: datetime.date | None = None) -> Report | None:
    """The periodic job: once the month is over, the street-wide bulletin of the last month
    (once; later runs find it in the archive)."""
    today = today or timezone.localdate()
    last_month = rollup.month_start(rollup.month_start(today) - datetime.timedelta(days=1))
    if Report.objects.filter(
        kind=Report.Kind.BULLETIN, period=last_month, is_automatic=True, community__isnull=True, department__isnull=True
    ).exists():
        return None
    rollup.refresh()
    report = report_generate(actor=None, viewer=reports.SystemViewer(), month=last_month, automatic=True)
    logger.info("Monthly bulletin generated: %s", report)
    return report


def rollup_refresh_job() -> dict:
    return rollup.refresh()


def rollup_rebuild_job() -> dict:
    return rollup.rebuild()
