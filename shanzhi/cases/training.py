"""Training of the routing classifiers from the platform's own assigned cases.

Labels are where cases really ended up: the handling department after any re-routing by
staff (so re-routes feed the next training) and the sub-category. Cases still at the
dispatch desk, cancelled or merged ones are left out. Nothing is downloaded.
"""

from __future__ import annotations

import random
from collections import Counter

from django.db import transaction

from shanzhi.cases import router
from shanzhi.cases.models import Case, RoutingModel
from shanzhi.cases.routing.classifier import TextClassifier
from shanzhi.core import services as core_services
from shanzhi.core.models import AuditEvent

MAX_SAMPLES = 200_000


def training_set(target: str) -> tuple[list[str], list[str]]:
    qs = Case.objects.exclude(status=Case.Status.CANCELLED).filter(merged_into__isnull=True)
    if target == RoutingModel.Target.DEPARTMENT:
        qs = qs.filter(department__isnull=False).exclude(department__kind="dispatch")
        rows = qs.values_list("title", "description", "department__code")
    else:
        qs = qs.filter(category__isnull=False, category__parent__isnull=False)
        rows = qs.values_list("title", "description", "category__code")
    texts, labels = [], []
    for title, description, label in rows.order_by("-received_at")[:MAX_SAMPLES].iterator(chunk_size=5000):
        texts.append(description if not title or description.startswith(title) else f"{title} {description}")
        labels.append(label)
    return texts, labels


def _split(texts, labels, seed=42):
    rng = random.Random(seed)
    by: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by.setdefault(lab, []).append(i)
    train, test = [], []
    for idx in by.values():
        rng.shuffle(idx)
        k = len(idx) // 5 if len(idx) >= 5 else 0
        test += idx[:k]
        train += idx[k:]
    return train, test


# The periodic job that retrains every routing model (nightly; "Retrain now" on the models page).
TRAIN_JOB = "cases.train_routing"
KEEP_MODEL_FILES = 3  # per target: the active model and the two before it


def routing_train(
    *, actor=None, target: str = RoutingModel.Target.DEPARTMENT, min_per_class: int = 3
) -> RoutingModel | None:
    """Train, evaluate on a stratified 20 % hold-out, retrain on everything, store and activate."""
    texts, labels = training_set(target)
    counts = Counter(labels)
    keep = {lab for lab, n in counts.items() if n >= min_per_class}
    pairs = [(t, lab) for t, lab in zip(texts, labels, strict=True) if lab in keep]
    if len(keep) < 2:
        return None
    texts = [t for t, _ in pairs]
    labels = [lab for _, lab in pairs]
    metrics: dict = {}
    tr, te = _split(texts, labels)
    if te and len({labels[i] for i in tr}) >= 2:
        probe = TextClassifier.train([texts[i] for i in tr], [labels[i] for i in tr])
        metrics = probe.evaluate([texts[i] for i in te], [labels[i] for i in te])
    model = TextClassifier.train(texts, labels)
    with transaction.atomic():
        RoutingModel.objects.filter(target=target, is_active=True).update(is_active=False)
        row = RoutingModel.objects.create(
            target=target,
            samples=len(texts),
            labels=sorted(keep),
            metrics=metrics,
            data=model.to_bytes(),
            is_active=True,
        )
        # Each model is some megabytes and the nightly job trains two: keep the files of the
        # newest few, and every row's record (when, on how many cases, how well).
        older = (
            RoutingModel.objects.filter(target=target)
            .exclude(data=b"")
            .order_by("-pk")
            .values_list("pk", flat=True)[KEEP_MODEL_FILES:]
        )
        RoutingModel.objects.filter(pk__in=list(older)).update(data=b"")
        core_services.audit_log(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=row,
            changes={"samples": len(texts), "macro_f1": metrics.get("macro_f1")},
        )
    router.clear_caches()
    return row


def routing_train_all() -> dict[str, int]:
    out = {}
    for target in RoutingModel.Target.values:
        row = routing_train(target=target)
        out[target] = row.samples if row else 0
    return out
