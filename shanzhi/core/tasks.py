"""Background tasks shared by every app (Django 6 tasks; the database backend's worker runs them)."""

import logging

from django.tasks import task

from shanzhi.core.registry import registry

logger = logging.getLogger(__name__)


@task()
def run_periodic_job(name: str) -> str:
    for job_name, _every, func in registry.periodic:
        if job_name == name:
            result = func()
            logger.info("periodic job %s: %s", name, result)
            return str(result)
    raise LookupError(f"No periodic job named {name!r}")
