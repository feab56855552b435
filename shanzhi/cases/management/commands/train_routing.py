from django.core.management.base import BaseCommand

from shanzhi.cases.models import RoutingModel
from shanzhi.cases.training import routing_train


class Command(BaseCommand):
    help = "Retrain the routing classifiers (department and category) from the cases already assigned."

    def add_arguments(self, parser):
        parser.add_argument("--target", choices=[*RoutingModel.Target.values, "all"], default="all")

    def handle(self, *args, **opts):
        targets = RoutingModel.Target.values if opts["target"] == "all" else [opts["target"]]
        for target in targets:
            row = routing_train(target=target)
            if row is None:
                self.stdout.write(f"{target}: not enough assigned cases to train (need two classes).")
            else:
                f1 = row.metrics.get("macro_f1")
                self.stdout.write(
                    f"{target}: {row.samples} cases, {len(row.labels)} classes, macro-F1 (hold-out) {f1:.3f}"
                    if f1 is not None
                    else f"{target}: {row.samples} cases"
                )
