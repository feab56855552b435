from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views import generic

from shanzhi.core.errors import ConflictError, ImportRowError, ValidationError
from shanzhi.core.excel import TableReadError, read_table
from shanzhi.core.params import int_param, year_param
from shanzhi.core.scoping import ADD, CHANGE, VIEW
from shanzhi.core.texts import Text
from shanzhi.core.views import Column, ObjectDetailView, ObjectListView, ScopedFileView, ScopedMixin
from shanzhi.orgs.models import Department
from shanzhi.plans import drafts, filtersets, forms, rules, selectors, services
from shanzhi.plans.models import (
    Indicator,
    IndicatorActual,
    Milestone,
    Plan,
    PlanDraft,
    PlanEvent,
    PlanNode,
    ProgressReport,
    ReportAttachment,
    SupervisionNotice,
)


def error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(" ".join(v) for v in exc.message_dict.values())
    return " ".join(exc.messages)


def add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


class ObjectActionView(ScopedMixin, generic.detail.SingleObjectMixin, generic.View):
    """A POST action on one object of the viewer's scope (404 outside, 403 without the permission)."""

    scope_action = CHANGE

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            raise Http404(_("Not found, or outside your scope.")) from None

    def get(self, request, *args, **kwargs):
        # Scope first (404 outside it), then the method: these actions are POST only.
        self.get_object()
        return HttpResponseNotAllowed(["POST"])


# ----------------------------------------------------------------------------- plans


class PlanList(ObjectListView):
    model = Plan
    search_fields = ("title",)
    columns = [
        Column("title", gettext_lazy("title"), link=True),
        Column("year", gettext_lazy("year")),
        Column(lambda p: f"{p.progress}%", gettext_lazy("progress %")),
        Column("is_published", gettext_lazy("published")),
        Column("task_count", gettext_lazy("supervised tasks")),
    ]

    def get_base_queryset(self):
        return Plan.objects.annotate(
            task_count=Count("nodes", filter=Q(nodes__lead_unit__isnull=False, nodes__is_deleted=False))
        ).order_by("-year", "title")


class PlanDetail(ObjectDetailView):
    """The plan tree with status colours, filtered by program, unit and status."""

    model = Plan
    template_name = "plans/plan_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan = self.object
        user = self.request.user
        params = self.request.GET.copy()
        params["plan"] = str(plan.pk)
        fs = filtersets.PlanNodeFilterSet(
            params, queryset=PlanNode.objects.restrict(user).filter(plan=plan), request=self.request
        )
        fs.filters["program"].queryset = PlanNode.objects.filter(plan=plan, kind="program", parent__isnull=True)
        fs.form.fields["program"].queryset = fs.filters["program"].queryset
        nodes = list(
            PlanNode.objects.restrict(user)
            .filter(plan=plan)
            .select_related("lead_unit", "responsible_leader")
            .prefetch_related("co_units")
            .order_by("position")
        )
        filtering = any(self.request.GET.get(k) for k in ("program", "unit", "status", "kind", "supervised"))
        matched = {n.pk for n in fs.qs} if filtering and fs.is_valid() else None
        if matched is not None:
            by_id = {n.pk: n for n in nodes}
            keep = set()
            for pk in matched:
                node = by_id.get(pk)
                while node is not None and node.pk not in keep:
                    keep.add(node.pk)
                    node = by_id.get(node.parent_id)
            nodes = [n for n in nodes if n.pk in keep]
        ctx["tree"] = selectors.build_tree(nodes)
        ctx["matched"] = matched
        ctx["filterset"] = fs
        ctx["programs"] = selectors.plan_progress_by_program(user, plan)
        ctx["indicators"] = selectors.indicator_summary(user, plan=plan)
        ctx["can_publish"] = user.has_perm("plans.change_plan")
        ctx["rules"] = rules.current_rules()
        ctx["rule_labels"] = rules.rule_labels()
        ctx["events"] = PlanEvent.objects.restrict(user).filter(plan=plan, node__isnull=True)[:10]
        return ctx


class PlanPublish(ObjectActionView):
    model = Plan

    def post(self, request, pk):
        plan = self.get_object()
        published = request.POST.get("published") == "1"
        services.plan_publish(plan=plan, actor=request.user, published=published)
        messages.success(request, _("The plan is now public.") if published else _("The plan is no longer public."))
        return redirect("plans:plan_detail", pk=plan.pk)


# ----------------------------------------------------------------------------- tasks


class NodeList(ObjectListView):
    model = PlanNode
    filterset_class = filtersets.PlanNodeFilterSet
    search_fields = ("title", "text")
    export_name = "plan-tasks"
    columns = [
        Column("plan", gettext_lazy("plan")),
        Column("label", gettext_lazy("number")),
        Column("title", gettext_lazy("title"), link=True),
        Column("kind", gettext_lazy("kind")),
        Column("lead_unit", gettext_lazy("lead unit")),
        Column(lambda n: "、".join(str(u) for u in n.co_units.all()), gettext_lazy("co-responsible units")),
        Column("responsible_leader", gettext_lazy("responsible leader")),
        Column("deadline", gettext_lazy("deadline")),
        Column("progress", gettext_lazy("progress %")),
        Column("status", gettext_lazy("status")),
        Column("warning", gettext_lazy("warning")),
    ]

    def get_base_queryset(self):
        return (
            PlanNode.objects.select_related("plan", "lead_unit", "responsible_leader")
            .prefetch_related("co_units")
            .order_by("plan", "position")
        )


class NodeDetail(ObjectDetailView):
    model = PlanNode
    template_name = "plans/node_detail.html"
    fields = [
        Column("plan", gettext_lazy("plan")),
        Column("kind", gettext_lazy("kind")),
        Column("lead_unit", gettext_lazy("lead unit")),
        Column("co_units", gettext_lazy("co-responsible units")),
        Column("responsible_leader", gettext_lazy("responsible leader")),
        Column("start_date", gettext_lazy("start date")),
        Column("deadline", gettext_lazy("deadline")),
        Column("weight", gettext_lazy("weight")),
        Column("closed_at", gettext_lazy("closed at")),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("plan", "lead_unit", "parent")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node, user = self.object, self.request.user
        ctx["children"] = PlanNode.objects.restrict(user).filter(parent=node).select_related("lead_unit")
        ctx["ancestors"] = _ancestors(node)
        ctx["milestones"] = node.milestones.all()
        ctx["reports"] = node.reports.select_related("unit", "created_by").prefetch_related("attachments")
        ctx["notices"] = SupervisionNotice.objects.restrict(user).filter(node=node)
        ctx["events"] = PlanEvent.objects.filter(node=node).select_related("actor")[:100]
        ctx["indicators"] = node.indicators.all()
        ctx["expected"] = rules.expected_progress(
            node.start_date or datetime.date(node.plan.year, 1, 1),
            node.deadline or datetime.date(node.plan.year, 12, 31),
            node.plan.assessment_day(),
        )
        may_report = user.has_perm("plans.add_progressreport") and node.lead_unit_id and not node.is_closed
        if may_report and user.role == "dept":
            may_report = user.department_id in {node.lead_unit_id, *node.co_units.values_list("pk", flat=True)}
        ctx["report_form"] = forms.ReportForm() if may_report else None
        ctx["milestone_form"] = (
            forms.MilestoneForm() if user.has_perm("plans.add_milestone") and _may_change(user, node) else None
        )
        ctx["notice_form"] = (
            forms.NoticeForm(node=node) if user.has_perm("plans.add_supervisionnotice") and node.lead_unit_id else None
        )
        ctx["can_close"] = user.has_perm("plans.change_plan")
        ctx["rule_labels"] = rules.rule_labels()
        ctx["rules"] = rules.current_rules()
        return ctx


def _ancestors(node: PlanNode) -> list[PlanNode]:
    out = []
    parent = node.parent
    while parent is not None:
        out.insert(0, parent)
        parent = parent.parent
    return out


def _may_change(user, node: PlanNode) -> bool:
    return PlanNode.objects.filter(pk=node.pk).restrict(user, CHANGE).exists()


class NodeUpdate(ScopedMixin, generic.detail.SingleObjectMixin, generic.FormView):
    model = PlanNode
    scope_action = CHANGE
    form_class = forms.NodeForm
    template_name = "plans/form.html"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        return kwargs

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            raise Http404(_("Not found, or outside your scope.")) from None

    def form_valid(self, form):
        data = {k: form.cleaned_data[k] for k in form.cleaned_data if k != "co_units"}
        version = self.request.POST.get("_version")
        try:
            services.node_update(
                node=self.object,
                actor=self.request.user,
                co_units=form.cleaned_data["co_units"],
                expected_version=int_param(version),
                **data,
            )
        except ConflictError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("plans:node_detail", pk=self.object.pk)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Edit %(t)s") % {"t": self.object}
        ctx["version"] = self.object.version
        return ctx


class NodeClose(ObjectActionView):
    model = PlanNode
    permission_required = "plans.change_plan"

    def post(self, request, pk):
        node = self.get_object()
        services.node_close(node=node, actor=request.user, closed=request.POST.get("closed", "1") == "1")
        return redirect("plans:node_detail", pk=node.pk)


class ReportCreate(ObjectActionView):
    """Submit a monthly report on a task (the unit's staff, or a leader)."""

    model = PlanNode
    scope_action = VIEW
    permission_required = "plans.add_progressreport"

    def post(self, request, pk):
        node = self.get_object()
        form = forms.ReportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.report_submit(
                    node=node,
                    actor=request.user,
                    period=form.cleaned_data["period"],
                    text=form.cleaned_data["text"],
                    percent=form.cleaned_data["percent"],
                    files=form.cleaned_data.get("attachments") or [],
                )
            except ValidationError as exc:
                add_errors(form, exc)
        if form.errors:
            for errs in form.errors.values():
                for e in errs:
                    messages.error(request, e)
            return redirect(reverse("plans:node_detail", args=[node.pk]) + "#report")
        messages.success(request, _("Report submitted."))
        return redirect("plans:node_detail", pk=node.pk)


class MilestoneCreate(ObjectActionView):
    model = PlanNode
    permission_required = "plans.add_milestone"

    def post(self, request, pk):
        node = self.get_object()
        form = forms.MilestoneForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(" ".join(v) for v in form.errors.values()))
        else:
            try:
                services.milestone_create(node=node, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Milestone added."))
            except ValidationError as exc:
                messages.error(request, error_text(exc))
        return redirect("plans:node_detail", pk=node.pk)


class MilestoneDone(ObjectActionView):
    model = Milestone

    def post(self, request, pk):
        milestone = self.get_object()
        services.milestone_complete(milestone=milestone, actor=request.user)
        return redirect("plans:node_detail", pk=milestone.node_id)


class NoticeCreate(ObjectActionView):
    model = PlanNode
    scope_action = VIEW
    permission_required = "plans.add_supervisionnotice"

    def post(self, request, pk):
        node = self.get_object()
        form = forms.NoticeForm(request.POST, node=node)
        if not form.is_valid():
            messages.error(request, " ".join(" ".join(v) for v in form.errors.values()))
            return redirect("plans:node_detail", pk=node.pk)
        try:
            notice = services.notice_issue(node=node, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("plans:node_detail", pk=node.pk)
        messages.success(request, _("Supervision notice %(c)s issued.") % {"c": notice.code})
        return redirect("plans:notice_detail", pk=notice.pk)


# ----------------------------------------------------------------------------- reports and notices


class ReportList(ObjectListView):
    model = ProgressReport
    filterset_class = filtersets.ProgressReportFilterSet
    search_fields = ("text", "node__title")
    export_name = "progress-reports"
    columns = [
        Column(lambda r: f"{r.period:%Y-%m}", gettext_lazy("month"), link=True),
        Column("node", gettext_lazy("task")),
        Column("unit", gettext_lazy("unit")),
        Column("percent", gettext_lazy("percent done")),
        Column("is_late", gettext_lazy("late")),
        Column("submitted_at", gettext_lazy("submitted at")),
        Column("text", gettext_lazy("progress")),
    ]

    def get_base_queryset(self):
        return ProgressReport.objects.select_related("node", "unit")


class ReportDetail(ObjectDetailView):
    model = ProgressReport
    fields = [
        Column("node", gettext_lazy("task")),
        Column("unit", gettext_lazy("unit")),
        Column(lambda r: f"{r.period:%Y-%m}", gettext_lazy("month")),
        Column("percent", gettext_lazy("percent done")),
        Column("text", gettext_lazy("progress")),
        Column("submitted_at", gettext_lazy("submitted at")),
        Column("is_late", gettext_lazy("late")),
        Column("attachment", gettext_lazy("attachment")),
    ]


class NoticeList(ObjectListView):
    model = SupervisionNotice
    filterset_class = filtersets.SupervisionNoticeFilterSet
    search_fields = ("code", "content", "node__title")
    export_name = "supervision-notices"
    columns = [
        Column("code", gettext_lazy("number"), link=True),
        Column("node", gettext_lazy("task")),
        Column("unit", gettext_lazy("unit")),
        Column("issued_on", gettext_lazy("issued on")),
        Column("reply_due", gettext_lazy("reply due")),
        Column("state", gettext_lazy("state")),
        Column("replied_at", gettext_lazy("replied at")),
        Column("replied_late", gettext_lazy("late")),
    ]

    def get_base_queryset(self):
        return SupervisionNotice.objects.select_related("node", "unit")


class NoticeDetail(ObjectDetailView):
    model = SupervisionNotice
    template_name = "plans/notice_detail.html"
    fields = [
        Column("node", gettext_lazy("task")),
        Column("unit", gettext_lazy("unit")),
        Column("issued_by", gettext_lazy("issued by")),
        Column("issued_on", gettext_lazy("issued on")),
        Column("reply_due", gettext_lazy("reply due")),
        Column("content", gettext_lazy("requirements")),
        Column("state", gettext_lazy("state")),
        Column("reply", gettext_lazy("reply")),
        Column("replied_by", gettext_lazy("replied by")),
        Column("replied_at", gettext_lazy("replied at")),
        Column("escalated_at", gettext_lazy("escalated at")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        open_ = self.object.state == SupervisionNotice.State.OPEN
        ctx["reply_form"] = forms.NoticeReplyForm() if open_ and ctx["can_change"] else None
        ctx["can_close"] = self.object.state == SupervisionNotice.State.REPLIED and self.request.user.has_perm(
            "plans.add_supervisionnotice"
        )
        ctx["edit_url"] = None
        ctx["delete_url"] = None
        return ctx


class NoticeReply(ObjectActionView):
    model = SupervisionNotice

    def post(self, request, pk):
        notice = self.get_object()
        form = forms.NoticeReplyForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The reply cannot be empty."))
        else:
            try:
                services.notice_reply(notice=notice, actor=request.user, reply=form.cleaned_data["reply"])
                messages.success(request, _("Reply sent."))
            except ValidationError as exc:
                messages.error(request, error_text(exc))
        return redirect("plans:notice_detail", pk=notice.pk)


class NoticeClose(ObjectActionView):
    model = SupervisionNotice
    permission_required = "plans.add_supervisionnotice"

    def post(self, request, pk):
        notice = self.get_object()
        services.notice_close(notice=notice, actor=request.user)
        return redirect("plans:notice_detail", pk=notice.pk)


# ----------------------------------------------------------------------------- units, scorecard, rules


class UnitDetail(ScopedMixin, generic.DetailView):
    """A unit's tasks (lead or co-responsible), reports, notices and score."""

    model = Department
    permission_required = "plans.view_plannode"
    template_name = "plans/unit_detail.html"
    context_object_name = "unit"

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            raise Http404(_("Not found, or outside your scope.")) from None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        plan = selectors.current_plan(user)
        ctx["plan"] = plan
        ctx["tasks"] = selectors.unit_tasks(user, unit, plan)
        ctx["reports"] = ProgressReport.objects.restrict(user).filter(unit=unit).select_related("node")[:50]
        ctx["notices"] = SupervisionNotice.objects.restrict(user).filter(unit=unit).select_related("node")[:50]
        if plan is not None:
            ctx["score"] = next((r for r in selectors.scorecard(user, plan) if r["unit"].pk == unit.pk), None)
        return ctx


class Scorecard(ScopedMixin, generic.TemplateView):
    model = PlanNode
    template_name = "plans/scorecard.html"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        if request.GET.get("export") == "xlsx":
            from shanzhi.core.excel import xlsx_response

            headers = [
                _("rank"),
                _("unit"),
                _("score"),
                _("supervised tasks"),
                *[str(rules.rule_labels()[k]) for _a, k in rules.SCORE_ITEMS],
            ]
            rows = [
                [
                    r["rank"],
                    str(r["unit"]),
                    r["score"],
                    r["tasks"],
                    *[getattr(r["facts"], a) for a, _k in rules.SCORE_ITEMS],
                ]
                for r in ctx["rows"]
            ]
            return xlsx_response(headers, rows, filename="scorecard")
        return self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan_id = self.request.GET.get("plan")
        plans = Plan.objects.restrict(self.request.user)
        plan = plans.filter(pk=plan_id).first() if int_param(plan_id) else selectors.current_plan(self.request.user)
        ctx["plan"], ctx["plans"] = plan, plans
        ctx["rows"] = selectors.scorecard(self.request.user, plan) if plan else []
        ctx["rules"] = rules.current_rules()
        ctx["rule_labels"] = rules.rule_labels()
        ctx["score_items"] = [(a, k, rules.rule_labels()[k]) for a, k in rules.SCORE_ITEMS]
        return ctx


class RulesView(ScopedMixin, generic.FormView):
    """The supervision rules and scorecard constants; leaders and administrators change them."""

    model = PlanNode
    template_name = "plans/rules.html"
    form_class = forms.RulesForm

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("plans.change_plan"):
            raise PermissionDenied(_("Your role may not do this."))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.rules_update(actor=self.request.user, values=form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Rules saved."))
        return redirect("plans:rules")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_edit"] = self.request.user.has_perm("plans.change_plan")
        ctx["rules"] = rules.current_rules()
        ctx["defaults"] = rules.DEFAULT_RULES
        return ctx


# ----------------------------------------------------------------------------- indicators


class IndicatorList(ObjectListView):
    model = Indicator
    filterset_class = filtersets.IndicatorFilterSet
    search_fields = ("name", "sentence")
    export_name = "indicators"
    template_name = "plans/indicator_list.html"
    columns = [
        Column("name", gettext_lazy("name"), link=True),
        Column("plan", gettext_lazy("plan")),
        Column("kind", gettext_lazy("kind")),
        Column(lambda i: i.target_display(), gettext_lazy("target")),
        Column("measure_unit", gettext_lazy("unit of the monthly actuals")),
        Column("responsible_unit", gettext_lazy("responsible unit")),
    ]

    def get_base_queryset(self):
        return Indicator.objects.select_related("plan", "responsible_unit")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["summary"] = {s["id"]: s for s in selectors.indicator_summary(self.request.user)}
        ctx["can_import"] = self.request.user.has_perm("plans.add_indicatoractual")
        ctx["export_actuals_url"] = reverse("plans:actual_list") + "?export=xlsx"
        return ctx


class IndicatorDetail(ObjectDetailView):
    model = Indicator
    template_name = "plans/indicator_detail.html"
    fields = [
        Column("plan", gettext_lazy("plan")),
        Column("node", gettext_lazy("task")),
        Column("kind", gettext_lazy("kind")),
        Column(lambda i: i.target_display(), gettext_lazy("target")),
        Column("measure_unit", gettext_lazy("unit of the monthly actuals")),
        Column("responsible_unit", gettext_lazy("responsible unit")),
        Column("sentence", gettext_lazy("source sentence")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ind = self.object
        year = year_param(self.request.GET.get("year", "")) or ind.plan.year
        series = selectors.indicator_series(ind, year)
        ctx["series"], ctx["year"] = series, year
        ctx["chart"] = {
            "months": [f"{m['month']}" for m in series["months"]],
            "value": [float(m["value"]) if m["value"] is not None else None for m in series["months"]],
            "prev": [float(m["prev_value"]) if m["prev_value"] is not None else None for m in series["months"]],
            "cumulative": [float(m["cumulative"]) if m["cumulative"] is not None else None for m in series["months"]],
            "yoy": [float(m["yoy"]) if m["yoy"] is not None else None for m in series["months"]],
            "target": float(ind.target_value),
            "growth": ind.is_growth,
        }
        may_enter = (
            self.request.user.has_perm("plans.add_indicatoractual")
            and Indicator.objects.filter(pk=ind.pk).restrict(self.request.user, CHANGE).exists()
        )
        ctx["actual_form"] = forms.ActualForm(initial={"year": year}) if may_enter else None
        return ctx


class ActualCreate(ObjectActionView):
    model = Indicator
    permission_required = "plans.add_indicatoractual"

    def post(self, request, pk):
        ind = self.get_object()
        form = forms.ActualForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(" ".join(v) for v in form.errors.values()))
        else:
            try:
                services.actual_record(indicator=ind, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Saved."))
            except ValidationError as exc:
                messages.error(request, error_text(exc))
        return redirect(reverse("plans:indicator_detail", args=[ind.pk]) + f"?year={request.POST.get('year', '')}")


class ActualList(ObjectListView):
    model = IndicatorActual
    search_fields = ("indicator__name",)
    export_name = "indicator-actuals"
    columns = [
        Column("indicator", gettext_lazy("indicator")),
        Column("year", gettext_lazy("year")),
        Column("month", gettext_lazy("month")),
        Column("value", gettext_lazy("value of the month")),
        Column("indicator.measure_unit", gettext_lazy("unit")),
        Column("reported_yoy", gettext_lazy("reported cumulative year-on-year growth %")),
        Column("note", gettext_lazy("note")),
    ]

    def get_base_queryset(self):
        return IndicatorActual.objects.select_related("indicator")


class ActualImport(ScopedMixin, generic.FormView):
    """Monthly actuals from Excel / CSV, all or nothing."""

    model = IndicatorActual
    scope_action = ADD
    form_class = forms.ActualImportForm
    template_name = "plans/actual_import.html"

    def get_plan(self):
        plan_id = self.request.GET.get("plan") or self.request.POST.get("plan")
        plans = Plan.objects.restrict(self.request.user)
        return plans.filter(pk=plan_id).first() if int_param(plan_id) else selectors.current_plan(self.request.user)

    def form_valid(self, form):
        plan = self.get_plan()
        if plan is None:
            form.add_error(None, _("There is no plan yet."))
            return self.form_invalid(form)
        allowed = Indicator.objects.restrict(self.request.user, CHANGE).filter(plan=plan)
        try:
            rows = read_table(form.cleaned_data["file"], required=list(services.ACTUAL_COLUMNS))
            count = services.actuals_import(plan=plan, actor=self.request.user, rows=rows, allowed=allowed)
        except TableReadError as exc:
            form.add_error("file", " ".join(exc.messages))
            return self.form_invalid(form)
        except ImportRowError as exc:
            form.add_error(
                None, _("Nothing was imported. Row %(row)s: %(reason)s") % {"row": exc.row, "reason": exc.reason}
            )
            return self.form_invalid(form)
        messages.success(self.request, _("Imported %(n)d rows.") % {"n": count})
        return redirect("plans:indicator_list")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["plan"] = self.get_plan()
        ctx["columns"] = [*services.ACTUAL_COLUMNS, *services.ACTUAL_OPTIONAL]
        return ctx


# ----------------------------------------------------------------------------- drafts (import)


class DraftList(ScopedMixin, generic.FormView):
    """Upload or paste a plan; the recognised tree is shown for review before anything is saved
    as a plan."""

    model = PlanDraft
    scope_action = ADD
    form_class = forms.DraftUploadForm
    template_name = "plans/draft_list.html"

    def form_valid(self, form):
        upload = form.cleaned_data.get("file")
        try:
            if upload:
                draft = services.draft_create_from_upload(
                    actor=self.request.user, data=upload.read(), filename=upload.name
                )
            else:
                draft = services.draft_create(
                    actor=self.request.user,
                    text=form.cleaned_data["text"],
                    source_name=Text(gettext_noop("pasted text")),  # shown in the reader's language
                )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        return redirect("plans:draft_detail", pk=draft.pk)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["drafts"] = PlanDraft.objects.restrict(self.request.user).select_related("created_by", "plan")[:50]
        return ctx


class DraftDetail(ObjectDetailView):
    model = PlanDraft
    template_name = "plans/draft_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(draft_context(self.object))
        draft = self.object
        ctx["confirm_form"] = forms.DraftConfirmForm(
            initial={
                "title": draft.title or str(draft.source_name),
                "year": draft.year or timezone.localdate().year,
                "rollup": Plan.Rollup.WEIGHTED,
            }
        )
        return ctx


def draft_context(draft: PlanDraft) -> dict:
    units = {d.pk: d for d in Department.objects.all()}
    from shanzhi.accounts.models import Role, User

    leaders = {u.pk: u for u in User.objects.filter(role__in=[Role.LEADER, Role.ADMIN])}
    by_node: dict = {}
    for item in draft.indicators:
        by_node.setdefault(item.get("node_id"), []).append(item)

    def decorate(nodes, depth):
        out = []
        for n in nodes:
            out.append(
                {
                    "n": n,
                    "depth": depth,
                    "children": decorate(n["children"], depth + 1),
                    "lead": units.get(n.get("lead_unit")),
                    "co": [units[u] for u in n.get("co_units", []) if u in units],
                    "leader": leaders.get(n.get("leader")),
                    "indicators": by_node.get(n["id"], []),
                }
            )
        return out

    stats = {"nodes": 0, "programs": 0, "tasks": 0, "measures": 0}
    for n, _depth in drafts.walk(draft.tree):
        stats["nodes"] += 1
        key = {"program": "programs", "task": "tasks", "measure": "measures"}.get(n["kind"])
        if key:
            stats[key] += 1
    return {
        "draft": draft,
        "tree": decorate(draft.tree, 1),
        "units": list(units.values()),
        "leaders": list(leaders.values()),
        "kinds": drafts.KINDS,
        "stats": stats,
        "is_open": draft.state == PlanDraft.State.OPEN,
        "text_complete": drafts.all_text(draft.tree).replace("\n", "") and _complete(draft),
        "comparators": Indicator.Comparator.choices,
    }


def _complete(draft: PlanDraft) -> bool:
    """Every non-space character of the source is in some node (in order)."""
    joined = "".join(drafts.all_text(draft.tree).split())
    return joined == "".join(draft.source_text.split())


class DraftNodeEdit(ObjectActionView):
    """One edit of the draft tree (htmx: answers with the re-rendered tree)."""

    model = PlanDraft

    def post(self, request, pk, node_id):
        draft = self.get_object()
        form = forms.NodeEditForm(request.POST)
        error = None
        focus = node_id
        if not form.is_valid():
            error = " ".join(" ".join(v) for v in form.errors.values())
        else:
            try:
                draft, focus = services.draft_edit(
                    draft=draft, actor=request.user, op=form.cleaned_data["op"], node_id=node_id, **form.params()
                )
            except ValidationError as exc:
                error = error_text(exc)
        if request.headers.get("HX-Request"):
            ctx = draft_context(draft)
            ctx.update({"error": error, "focus": focus})
            return render(request, "plans/_draft_tree.html", ctx, status=200)
        if error:
            messages.error(request, error)
        return HttpResponseRedirect(reverse("plans:draft_detail", args=[draft.pk]) + f"#node-{focus}")


class DraftIndicatorEdit(ObjectActionView):
    model = PlanDraft

    def post(self, request, pk, index):
        draft = self.get_object()
        form = forms.DraftIndicatorForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(" ".join(v) for v in form.errors.values()))
        else:
            try:
                services.draft_update_indicator(draft=draft, actor=request.user, index=index, values=form.cleaned_data)
                messages.success(request, _("Indicator updated."))
            except ValidationError as exc:
                messages.error(request, error_text(exc))
        return HttpResponseRedirect(reverse("plans:draft_detail", args=[draft.pk]) + "#indicators")


class DraftConfirm(ObjectActionView):
    model = PlanDraft
    permission_required = "plans.add_plan"

    def post(self, request, pk):
        draft = self.get_object()
        form = forms.DraftConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(" ".join(v) for v in form.errors.values()))
            return redirect("plans:draft_detail", pk=draft.pk)
        try:
            plan = services.draft_confirm(draft=draft, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("plans:draft_detail", pk=draft.pk)
        messages.success(request, _("The plan was created."))
        return redirect("plans:plan_detail", pk=plan.pk)


class DraftDiscard(ObjectActionView):
    model = PlanDraft

    def post(self, request, pk):
        draft = self.get_object()
        try:
            services.draft_discard(draft=draft, actor=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("plans:draft_list")


# ----------------------------------------------------------------------------- public


class PublicPlanList(generic.ListView):
    scope_exempt = "Published plans are public by decision of the street (公开); no personal data is shown."
    template_name = "plans/public_plan_list.html"
    context_object_name = "plans"

    def get_queryset(self):
        return Plan.objects.filter(is_published=True).order_by("-year", "title")


class PublicPlan(generic.DetailView):
    scope_exempt = "A published plan is public; units, progress and status only, no names of people."
    template_name = "plans/public_plan.html"
    context_object_name = "plan"

    def get_queryset(self):
        return Plan.objects.filter(is_published=True)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan = self.object
        nodes = list(
            PlanNode.objects.filter(plan=plan, kind__in=["program", "task", "measure"])
            .select_related("lead_unit")
            .only(
                "id",
                "parent_id",
                "kind",
                "label",
                "title",
                "progress",
                "status",
                "lead_unit__name",
                "deadline",
                "position",
                "plan_id",
            )
            .order_by("position")
        )
        ctx["tree"] = selectors.build_tree(nodes)
        ctx["indicators"] = [
            {
                "name": i.name,
                "target": i.target_display(),
                **{
                    k: v
                    for k, v in selectors.indicator_series(i, plan.year).items()
                    if k in ("cumulative", "gap", "status", "measured")
                },
                "measure_unit": i.measure_unit,
                "is_growth": i.is_growth,
            }
            for i in plan.indicators.all()
        ]
        return ctx


class ReportFileView(ScopedFileView):
    """A progress report's own file, to those who may see the report."""

    model = ProgressReport
    file_field = "attachment"
    as_attachment = True


class ReportAttachmentView(ScopedFileView):
    """One of a progress report's attachments, to those who may see the report."""

    model = ReportAttachment
    as_attachment = True
