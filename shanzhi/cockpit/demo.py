"""Demo data of the cockpit: the case rollup over the other apps' demo cases, and last month's
bulletin in the archive (once). Runs after every other loader (order 90); idempotent."""

from __future__ import annotations

import datetime

from django.utils import timezone

from shanzhi.cockpit import reports, rollup, services
from shanzhi.cockpit.models import Report


def load(stdout) -> None:
    result = rollup.rebuild()
    stdout.write(f"  case rollup: {result['months']} months, {result['rows']} rows\n")
    today = timezone.localdate()
    last_month = rollup.month_start(rollup.month_start(today) - datetime.timedelta(days=1))
    if not Report.objects.filter(is_generated=True, period=last_month).exists():
        services.report_generate(
            actor=None, viewer=reports.SystemViewer(), month=last_month, automatic=True, is_generated=True
        )
        stdout.write(f"  bulletin of {last_month:%Y-%m} generated\n")
