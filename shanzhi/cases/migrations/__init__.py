"""Helpers shared by data migrations (kept here, not in the app's code, so a migration keeps
working whatever the app's code becomes)."""


def _fill_received_month(Case, chunk: int = 5000) -> None:
    """Set the derived month (first day, local time) where it is missing, in batches."""
    from django.utils import timezone

    batch = []
    for case in Case.objects.filter(received_month__isnull=True).only("pk", "received_at").iterator(chunk_size=chunk):
        case.received_month = timezone.localtime(case.received_at).date().replace(day=1)
        batch.append(case)
        if len(batch) >= chunk:
            Case.objects.bulk_update(batch, ["received_month"])
            batch.clear()
    if batch:
        Case.objects.bulk_update(batch, ["received_month"])
