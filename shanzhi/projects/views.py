from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.generic.detail import SingleObjectMixin

from shanzhi.core import services as core
from shanzhi.core.errors import ConflictError, ImportRowError, PermissionDenied, ValidationError
from shanzhi.core.excel import TableReadError
from shanzhi.core.params import int_param, year_param
from shanzhi.core.scoping import ADD, CHANGE
from shanzhi.core.views import (
    Column,
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectListView,
    ObjectUpdateView,
    ScopedFileView,
    ScopedMixin,
)
from shanzhi.projects import filtersets, forms, selectors, services, workflows
from shanzhi.projects.conf import get_setting
from shanzhi.projects.models import (
    Blocker,
    ChainLink,
    IndustryChain,
    Lead,
    Milestone,
    Parcel,
    Project,
    ProjectMonth,
    ProjectPhoto,
    Proposal,
)


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc)


class ObjectActionView(ScopedMixin, SingleObjectMixin, generic.FormView):
    """A form that performs one service call on one scoped object (move, report, answer…)."""

    scope_action = CHANGE
    template_name = "projects/action_form.html"
    title = ""
    object_kwarg: str | None = None  # pass the object to the form under this name

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            raise Http404(_("Not found, or outside your scope.")) from None

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.object_kwarg:
            kwargs[self.object_kwarg] = self.object
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = self.title
        ctx["back_url"] = self.get_success_url()
        return ctx

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.result = self.perform(form)
        except ConflictError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message())
        return HttpResponseRedirect(self.get_success_url())

    def success_message(self) -> str:
        return _("Saved.")

    def perform(self, form):  # pragma: no cover - abstract
        raise NotImplementedError

    def get_success_url(self):
        return self.url_for("detail", self.object.pk) or "/"


# ----------------------------------------------------------------------------- projects

PROJECT_COLUMNS = [
    Column("code", gettext_lazy("project code")),
    Column("name", gettext_lazy("name"), link=True),
    Column("kind", gettext_lazy("type")),
    Column("stage", gettext_lazy("stage")),
    Column("year", gettext_lazy("year")),
    Column("department", gettext_lazy("responsible department")),
    Column("community", gettext_lazy("community")),
    Column("total_investment", gettext_lazy("total investment (10k yuan)")),
    Column("planned_to_date", gettext_lazy("planned to date (10k yuan)")),
    Column("completed", gettext_lazy("completed (10k yuan)")),
    Column(lambda p: p.completed < p.planned_to_date, gettext_lazy("behind plan")),
    Column("land_area_mu", gettext_lazy("land area (mu)")),
]


class ProjectList(ObjectListView):
    model = Project
    filterset_class = filtersets.ProjectFilterSet
    search_fields = ("name", "code", "owner_unit", "address")
    columns = PROJECT_COLUMNS
    template_name = "projects/project_list.html"
    import_url_name = "projects:progress_import"

    def get_base_queryset(self):
        return selectors.with_investment(Project.objects.select_related("department", "community"))

    def render_cell(self, obj, col):
        value = super().render_cell(obj, col)
        if isinstance(value, Decimal):
            return value.quantize(Decimal("0.01"))
        return value

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = self.get_filtered_queryset()
        ctx["totals"] = {
            "count": qs.count(),
            "investment": sum((p.total_investment for p in qs), Decimal("0")),
            "completed": sum((p.completed for p in qs), Decimal("0")),
        }
        ctx["can_add"] = self.request.user.has_perm("projects.add_project")
        ctx["create_url"] = reverse("projects:project_add") if ctx["can_add"] else None
        ctx["import_url"] = (
            reverse("projects:progress_import") if self.request.user.has_perm("projects.change_projectmonth") else None
        )
        return ctx


class ProjectDetail(ObjectDetailView):
    model = Project
    template_name = "projects/project_detail.html"
    fields = [
        Column("code", gettext_lazy("project code")),
        Column("kind", gettext_lazy("type")),
        Column("stage", gettext_lazy("stage")),
        Column("year", gettext_lazy("year")),
        Column("owner_unit", gettext_lazy("owner enterprise or unit")),
        Column("enterprise", gettext_lazy("enterprise")),
        Column("responsible_leader", gettext_lazy("responsible leader")),
        Column("department", gettext_lazy("responsible department")),
        Column("community", gettext_lazy("community")),
        Column("address", gettext_lazy("location")),
        Column("total_investment", gettext_lazy("total investment (10k yuan)")),
        Column("land_area_mu", gettext_lazy("land area (mu)")),
        Column("planned_start", gettext_lazy("planned start")),
        Column("planned_end", gettext_lazy("planned completion")),
        Column("started_on", gettext_lazy("started on")),
        Column("production_on", gettext_lazy("in production on")),
        Column("completed_on", gettext_lazy("completed on")),
        Column("plan_task", gettext_lazy("plan task")),
        Column("is_public", gettext_lazy("published")),
        Column("description", gettext_lazy("description")),
    ]

    def get_base_queryset(self):
        return Project.objects.select_related(
            "department", "community", "enterprise", "responsible_leader", "plan_task"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p = self.object
        user = self.request.user
        rows = p.month_rows()
        ctx["months"] = rows
        ctx["totals"] = p.investment_totals()
        ctx["behind"] = p.is_behind_plan()
        ctx["chart"] = {
            "months": [r["month"].strftime("%Y-%m") for r in rows],
            "planned": [float(r["planned"]) for r in rows],
            "completed": [float(r["completed"]) if r["completed"] is not None else None for r in rows],
            "cum_planned": [float(r["cum_planned"]) for r in rows],
            "cum_completed": [float(r["cum_completed"]) for r in rows],
        }
        ctx["timeline"] = p.stage_changes.filter(is_deleted=False).select_related("created_by")
        ctx["milestones"] = p.milestones.filter(is_deleted=False)
        ctx["blockers"] = Blocker.objects.restrict(user).filter(project=p).select_related("department", "case")
        ctx["photos"] = p.photos.filter(is_deleted=False)[:12]
        ctx["can_move"] = user.has_perm("projects.change_project") and _in_scope(p, user)
        ctx["can_report"] = user.has_perm("projects.change_projectmonth") and _in_scope(p, user)
        ctx["can_block"] = user.has_perm("projects.add_blocker") and _in_scope(p, user)
        ctx["can_milestone"] = user.has_perm("projects.change_milestone") and _in_scope(p, user)
        ctx["move_form"] = forms.StageMoveForm(project=p) if ctx["can_move"] else None
        if p.kind == Project.Kind.RENEWAL:
            ctx["renewal"] = selectors.renewal_summary(p)
        ctx["edit_url"] = ctx["edit_url"] if _in_scope(p, user) else None
        ctx["delete_url"] = ctx["delete_url"] if _in_scope(p, user, "delete") else None
        return ctx


def _in_scope(obj, user, action: str = CHANGE) -> bool:
    return type(obj).objects.filter(pk=obj.pk).restrict(user, action).exists()


class ProjectCreate(ObjectCreateView):
    model = Project
    form_class = forms.ProjectForm

    def save_form(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k in {f.name for f in Project._meta.concrete_fields}}
        return services.project_create(actor=self.request.user, **data)


class ProjectUpdate(ObjectUpdateView):
    model = Project
    form_class = forms.ProjectForm

    def save_form(self, form):
        concrete = {f.name for f in Project._meta.concrete_fields}
        data = {k: v for k, v in form.cleaned_data.items() if k in concrete}
        version = self.request.POST.get("_version")
        return services.project_update(
            project=self.get_object(),
            actor=self.request.user,
            expected_version=int_param(version),
            **data,
        )


class ProjectDelete(ObjectDeleteView):
    model = Project


class ProjectMoveStage(ObjectActionView):
    model = Project
    form_class = forms.StageMoveForm
    object_kwarg = "project"
    title = gettext_lazy("Move to another stage")

    def perform(self, form):
        d = form.cleaned_data
        return services.project_move_stage(
            project=self.object,
            to_stage=d["to_stage"],
            actor=self.request.user,
            on=d["on"],
            note=d["note"],
            expected_version=d.get("version"),
        )

    def get_success_url(self):
        nxt = self.request.POST.get("next") or self.request.GET.get("next")
        if nxt == "board":
            return reverse("projects:board")
        return super().get_success_url()


class ProjectProgress(ObjectActionView):
    model = Project
    permission_required = "projects.change_projectmonth"
    form_class = forms.ProgressForm
    title = gettext_lazy("Report monthly progress")

    def get_initial(self):
        return {"month": timezone.localdate().strftime("%Y-%m")}

    def perform(self, form):
        d = form.cleaned_data
        return services.project_progress_record(
            project=self.object,
            actor=self.request.user,
            month=d["month"],
            completed_investment=d["completed_investment"],
            physical_progress=d["physical_progress"],
            note=d["note"],
            photo=d.get("photo"),
            caption=d.get("caption", ""),
        )


class ProjectPlan(ObjectActionView):
    model = Project
    permission_required = "projects.change_projectmonth"
    form_class = forms.PlanForm
    object_kwarg = "project"
    title = gettext_lazy("Planned investment by month (10k yuan)")

    def perform(self, form):
        return services.project_plan_set(project=self.object, actor=self.request.user, plan=form.plan())


class BlockerRaise(ObjectActionView):
    model = Project
    permission_required = "projects.add_blocker"
    form_class = forms.BlockerForm
    title = gettext_lazy("Raise a blocker to the responsible department")

    def perform(self, form):
        d = form.cleaned_data
        deadline = None
        if d.get("deadline_date"):
            deadline = timezone.make_aware(datetime.datetime.combine(d["deadline_date"], datetime.time(18, 0)))
        return services.blocker_raise(
            project=self.object,
            actor=self.request.user,
            kind=d["kind"],
            description=d["description"],
            department=d["department"],
            deadline=deadline,
        )

    def success_message(self):
        case = getattr(self.result, "case", None)
        if case is not None:
            return _("Blocker raised as coordination case %(code)s.") % {"code": case.code}
        return _("Blocker recorded.")


class MilestoneAdd(ObjectActionView):
    model = Project
    permission_required = "projects.add_milestone"
    form_class = forms.MilestoneForm
    title = gettext_lazy("Add a milestone")

    def perform(self, form):
        return core.record_create(Milestone, actor=self.request.user, project=self.object, **form.cleaned_data)


class MilestoneDone(ScopedMixin, generic.View):
    model = Milestone
    scope_action = CHANGE

    def post(self, request, pk):
        milestone = self.get_queryset().filter(pk=pk).first()
        if milestone is None:
            raise Http404(_("Not found, or outside your scope."))
        try:
            services.milestone_complete(milestone=milestone, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("projects:project_detail", milestone.project_id)


class ProgressImport(ScopedMixin, generic.FormView):
    model = ProjectMonth
    scope_action = ADD
    permission_required = "projects.change_projectmonth"
    form_class = forms.ImportForm
    template_name = "projects/import.html"

    def form_valid(self, form):
        try:
            n = services.progress_import(actor=self.request.user, uploaded=form.cleaned_data["file"])
        except ImportRowError as exc:
            form.add_error(
                "file", _("Nothing was imported. Row %(row)s: %(reason)s") % {"row": exc.row, "reason": exc.reason}
            )
            return self.form_invalid(form)
        except (TableReadError, ValidationError) as exc:
            form.add_error("file", _("Nothing was imported: %(reason)s") % {"reason": " ".join(exc.messages)})
            return self.form_invalid(form)
        messages.success(self.request, _("%(n)d rows imported.") % {"n": n})
        return redirect("projects:project_list")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["columns_help"] = [aliases[1] for aliases in services.PROGRESS_COLUMNS.values()]
        return ctx


class ProjectBoard(ScopedMixin, generic.TemplateView):
    """四个一批: the projects of each stage with their totals, and the moves they may make."""

    model = Project
    template_name = "projects/board.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = self.get_queryset().exclude(kind=Project.Kind.LIVELIHOOD)
        year = self.request.GET.get("year", "")
        if year_param(year) is not None:
            qs = qs.filter(year=year_param(year))
        ctx["columns"] = selectors.board(qs)
        ctx["year"] = year
        ctx["years"] = sorted(
            set(Project.objects.restrict(self.request.user).values_list("year", flat=True)), reverse=True
        )
        user = self.request.user
        ctx["can_move"] = user.has_perm("projects.change_project")
        ctx["movable_ids"] = (
            set(Project.objects.restrict(user, CHANGE).values_list("pk", flat=True)) if ctx["can_move"] else set()
        )
        ctx["today"] = timezone.localdate()
        return ctx


# ----------------------------------------------------------------------------- blockers


class BlockerList(ObjectListView):
    model = Blocker
    filterset_class = filtersets.BlockerFilterSet
    search_fields = ("description", "project__name")
    columns = [
        Column("project", gettext_lazy("project"), link=True),
        Column("kind", gettext_lazy("kind")),
        Column("department", gettext_lazy("responsible department")),
        Column("status", gettext_lazy("status")),
        Column(lambda b: b.case.code if b.case_id else "", gettext_lazy("case")),
        Column(lambda b: b.case.get_status_display() if b.case_id else "", gettext_lazy("case status")),
        Column("deadline", gettext_lazy("deadline")),
        Column("created_at", gettext_lazy("raised at")),
    ]

    def get_base_queryset(self):
        return Blocker.objects.select_related("project", "department", "case")


class BlockerDetail(ObjectDetailView):
    model = Blocker
    template_name = "projects/blocker_detail.html"

    def get_base_queryset(self):
        return Blocker.objects.select_related("project", "department", "case")


class BlockerResolve(ScopedMixin, generic.View):
    model = Blocker
    scope_action = CHANGE

    def post(self, request, pk):
        blocker = self.get_queryset().filter(pk=pk).first()
        if blocker is None:
            raise Http404(_("Not found, or outside your scope."))
        try:
            services.blocker_resolve(
                blocker=blocker,
                actor=request.user,
                note=request.POST.get("note", ""),
                cancel=request.POST.get("cancel") == "1",
            )
            messages.success(request, _("Blocker closed."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("projects:blocker_detail", blocker.pk)


# ----------------------------------------------------------------------------- investment leads


class LeadList(ObjectListView):
    model = Lead
    filterset_class = filtersets.LeadFilterSet
    search_fields = ("company", "industry", "notes")
    template_name = "projects/lead_list.html"
    columns = [
        Column("company", gettext_lazy("company"), link=True),
        Column("kind", gettext_lazy("list")),
        Column("industry", gettext_lazy("industry")),
        Column("chain_link", gettext_lazy("chain link")),
        Column("source", gettext_lazy("source")),
        Column("investment", gettext_lazy("planned investment (10k yuan)")),
        Column("stage", gettext_lazy("stage")),
        Column("owner", gettext_lazy("owner")),
        Column("last_activity_at", gettext_lazy("last activity")),
        Column("contact_name", gettext_lazy("contact person")),
        Column("contact_phone", gettext_lazy("contact phone"), personal="phone"),
    ]

    def get_base_queryset(self):
        return Lead.objects.select_related("chain_link__chain", "owner")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = self.get_filtered_queryset()
        ctx["totals"] = selectors.lead_totals(qs)
        days = int(get_setting("projects.lead_stale_days", 30))
        ctx["stale_days"] = days
        ctx["stale_ids"] = set(
            Lead.objects.stale(days).filter(pk__in=[o.pk for o, _c in ctx["rows"]]).values_list("pk", flat=True)
        )
        kind = self.request.GET.get("kind")
        ctx["list_title"] = dict(Lead.Kind.choices).get(kind, "")
        ctx["create_url"] = reverse("projects:lead_add") if ctx["can_add"] else None
        return ctx


class LeadDetail(ObjectDetailView):
    model = Lead
    template_name = "projects/lead_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        lead = self.object
        user = self.request.user
        ctx["activities"] = lead.activities.filter(is_deleted=False).select_related("created_by")
        can_change = user.has_perm("projects.change_lead") and _in_scope(lead, user)
        ctx["activity_form"] = (
            forms.LeadActivityForm(initial={"at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
            if (can_change and user.has_perm("projects.add_leadactivity"))
            else None
        )
        ctx["move_form"] = (
            forms.LeadMoveForm(lead=lead) if can_change and workflows.LEAD_MOVES.get(lead.stage) else None
        )
        days = int(get_setting("projects.lead_stale_days", 30))
        ctx["is_stale"] = Lead.objects.stale(days).filter(pk=lead.pk).exists()
        ctx["stale_days"] = days
        return ctx


class LeadCreate(ObjectCreateView):
    model = Lead
    form_class = forms.LeadForm

    def get_initial(self):
        user = self.request.user
        return {"owner": user.pk, "department": user.department_id, "kind": self.request.GET.get("kind", "new")}

    def save_form(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k in {f.name for f in Lead._meta.concrete_fields}}
        return services.lead_create(actor=self.request.user, **data)


class LeadUpdate(ObjectUpdateView):
    model = Lead
    form_class = forms.LeadForm


class LeadDelete(ObjectDeleteView):
    model = Lead


class LeadLogActivity(ObjectActionView):
    model = Lead
    permission_required = "projects.add_leadactivity"
    form_class = forms.LeadActivityForm
    title = gettext_lazy("Log a contact")

    def perform(self, form):
        d = form.cleaned_data
        return services.lead_log_activity(
            lead=self.object, actor=self.request.user, kind=d["kind"], summary=d["summary"], at=d["at"]
        )


class LeadMove(ObjectActionView):
    model = Lead
    form_class = forms.LeadMoveForm
    object_kwarg = "lead"
    title = gettext_lazy("Move to another stage")

    def perform(self, form):
        d = form.cleaned_data
        return services.lead_move(lead=self.object, to_stage=d["to_stage"], actor=self.request.user, reason=d["reason"])


# ----------------------------------------------------------------------------- industry chains


class ChainMap(ScopedMixin, generic.TemplateView):
    """产业链全景图: each chain's links, the local enterprises on them, the gaps and the leads."""

    model = IndustryChain
    template_name = "projects/chain_map.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        see_leads = user.has_perm("projects.view_lead")
        leads = Lead.objects.restrict(user).active() if see_leads else Lead.objects.none()
        chains = []
        for chain in self.get_queryset().prefetch_related("links__enterprises"):
            positions = []
            gaps = 0
            for pos, label in ChainLink.Position.choices:
                links = []
                for link in chain.links.all():
                    if link.position != pos or link.is_deleted:
                        continue
                    enterprises = [e for e in link.enterprises.all() if not e.is_deleted]
                    link_leads = [lead for lead in leads if lead.chain_link_id == link.pk]
                    is_gap = not enterprises or link.is_key_gap
                    gaps += is_gap
                    links.append({"link": link, "enterprises": enterprises, "leads": link_leads, "is_gap": is_gap})
                positions.append((label, links))
            chains.append({"chain": chain, "positions": positions, "gaps": gaps})
        ctx["chains"] = chains
        ctx["see_leads"] = see_leads
        return ctx


class IndustryChainList(ObjectListView):
    model = IndustryChain
    search_fields = ("name",)
    columns = [
        Column("name", gettext_lazy("name"), link=True),
        Column("department", gettext_lazy("responsible department")),
        Column("description", gettext_lazy("description")),
    ]


class IndustryChainDetail(ObjectDetailView):
    model = IndustryChain

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["items"].append(
            (_("chain links"), "、".join(str(link.name) for link in self.object.links.filter(is_deleted=False)))
        )
        return ctx


class IndustryChainCreate(ObjectCreateView):
    model = IndustryChain
    form_class = forms.IndustryChainForm


class IndustryChainUpdate(ObjectUpdateView):
    model = IndustryChain
    form_class = forms.IndustryChainForm


class ChainLinkList(ObjectListView):
    model = ChainLink
    search_fields = ("name", "chain__name")
    columns = [
        Column("chain", gettext_lazy("industry chain")),
        Column("name", gettext_lazy("name"), link=True),
        Column("position", gettext_lazy("position")),
        Column("enterprises", gettext_lazy("local enterprises")),
        Column("is_key_gap", gettext_lazy("key gap to fill")),
    ]

    def get_base_queryset(self):
        return ChainLink.objects.select_related("chain").prefetch_related("enterprises")


class ChainLinkDetail(ObjectDetailView):
    model = ChainLink


class ChainLinkCreate(ObjectCreateView):
    model = ChainLink
    form_class = forms.ChainLinkForm


class ChainLinkUpdate(ObjectUpdateView):
    model = ChainLink
    form_class = forms.ChainLinkForm


# ----------------------------------------------------------------------------- urban renewal


class RenewalOverview(ScopedMixin, generic.TemplateView):
    model = Project
    template_name = "projects/renewal.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["items"] = [
            (p, selectors.renewal_summary(p))
            for p in self.get_queryset().filter(kind=Project.Kind.RENEWAL).select_related("department")
        ]
        ctx["can_view_parcels"] = self.request.user.has_perm("projects.view_parcel")
        return ctx


class ParcelList(ObjectListView):
    model = Parcel
    filterset_class = filtersets.ParcelFilterSet
    search_fields = ("code", "owners")
    columns = [
        Column("project", gettext_lazy("renewal project")),
        Column("code", gettext_lazy("parcel code"), link=True),
        Column("area_mu", gettext_lazy("area (mu)")),
        Column("owners", gettext_lazy("owners")),
        Column("stage", gettext_lazy("stage")),
        Column("signed_on", gettext_lazy("signed on")),
        Column("demolished_on", gettext_lazy("demolished on")),
        Column("transferred_on", gettext_lazy("transferred on")),
        Column("transfer_price", gettext_lazy("transfer price (10k yuan)")),
        Column("enforcement", gettext_lazy("enforcement")),
    ]

    def get_base_queryset(self):
        return Parcel.objects.select_related("project")


class ParcelDetail(ObjectDetailView):
    model = Parcel
    template_name = "projects/parcel_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ok = user.has_perm("projects.change_parcel") and _in_scope(self.object, user)
        ctx["move_form"] = (
            forms.ParcelMoveForm(parcel=self.object) if ok and workflows.PARCEL_MOVES[self.object.stage] else None
        )
        return ctx


class ParcelCreate(ObjectCreateView):
    model = Parcel
    form_class = forms.ParcelForm


class ParcelUpdate(ObjectUpdateView):
    model = Parcel
    form_class = forms.ParcelForm


class ParcelDelete(ObjectDeleteView):
    model = Parcel


class ParcelMove(ObjectActionView):
    model = Parcel
    form_class = forms.ParcelMoveForm
    object_kwarg = "parcel"
    title = gettext_lazy("Move to the next stage")

    def perform(self, form):
        d = form.cleaned_data
        return services.parcel_move(
            parcel=self.object,
            to_stage=d["to_stage"],
            actor=self.request.user,
            on=d["on"],
            note=d["note"],
            transfer_price=d["transfer_price"],
        )


# ----------------------------------------------------------------------------- 民生实事


def _livelihood_year(request, qs) -> int:
    year = year_param(request.GET.get("year", ""))
    if year:
        return year
    latest = qs.order_by("-year").values_list("year", flat=True).first()
    return latest or timezone.localdate().year


class LivelihoodOverview(ScopedMixin, generic.TemplateView):
    model = Project
    template_name = "projects/livelihood.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = self.get_queryset().livelihood()
        year = _livelihood_year(self.request, qs)
        rows = selectors.livelihood_rows(qs.filter(year=year))
        ctx.update(
            year=year,
            rows=rows,
            budget=sum((r["budget"] for r in rows), Decimal("0")),
            spent=sum((r["spent"] for r in rows), Decimal("0")),
        )
        return ctx


class PublicLivelihood(generic.TemplateView):
    """民生实事 progress for the public, in the manner of Decidim's accountability pages."""

    scope_exempt = "Published livelihood projects: names, budgets, progress and milestones, no personal data."
    template_name = "projects/public_livelihood.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = Project.objects.public().livelihood()
        year = _livelihood_year(self.request, qs)
        rows = selectors.livelihood_rows(qs.filter(year=year))
        changes = []
        for r in rows:
            p = r["project"]
            for c in p.stage_changes.filter(is_deleted=False):
                changes.append((c.on, p, c.get_to_stage_display()))
            for m in r["milestones"]:
                if m.done_on:
                    changes.append((m.done_on, p, m.name))
        changes.sort(key=lambda c: c[0], reverse=True)
        ctx.update(
            year=year,
            rows=rows,
            budget=sum((r["budget"] for r in rows), Decimal("0")),
            spent=sum((r["spent"] for r in rows), Decimal("0")),
            changes=changes[:30],
            years=sorted(set(Project.objects.public().livelihood().values_list("year", flat=True)), reverse=True),
        )
        return ctx


# ----------------------------------------------------------------------------- 问需于民

VOTER_COOKIE = "sz_voter"


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by clients unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "")


class PublicProposals(generic.FormView):
    """问需于民: the public proposes and votes on next year's livelihood projects."""

    scope_exempt = "Public proposals and their answers; proposers' names and phones are never shown."
    template_name = "projects/public_proposals.html"
    form_class = forms.PublicProposalForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = Proposal.objects.exclude(status=Proposal.Status.HIDDEN).select_related("community", "project")
        year = self.request.GET.get("year", "")
        ctx["year"] = year_param(year) or timezone.localdate().year + 1
        ctx["proposals"] = qs.filter(for_year=ctx["year"]).order_by("-votes", "-created_at")[:200]
        ctx["years"] = sorted(set(Proposal.objects.values_list("for_year", flat=True)) | {ctx["year"]}, reverse=True)
        return ctx

    def form_valid(self, form):
        d = form.cleaned_data
        if d.get("website"):
            # A bot filled the hidden field: pretend success, store nothing.
            messages.success(self.request, _("Thank you, your proposal was received."))
            return redirect("projects:public_proposals")
        try:
            services.proposal_submit(
                actor=None,
                title=d["title"],
                description=d["description"],
                category=d["category"],
                community=d["community"],
                proposer_name=d["proposer_name"],
                proposer_phone=d["proposer_phone"],
                ip=client_ip(self.request),
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Thank you, your proposal was received."))
        return redirect("projects:public_proposals")


class PublicProposalVote(generic.View):
    scope_exempt = "Anonymous vote; only salted hashes of the browser token and IP address are kept."

    def post(self, request, pk):
        proposal = Proposal.objects.exclude(status=Proposal.Status.HIDDEN).filter(pk=pk).first()
        if proposal is None:
            raise Http404(_("Not found."))
        token = request.COOKIES.get(VOTER_COOKIE) or ""
        new_token = None
        if len(token) < 16:
            token = new_token = secrets.token_urlsafe(24)
        try:
            services.proposal_vote(proposal=proposal, voter_token=token, ip=client_ip(request))
            messages.success(request, _("Thank you for your vote."))
        except ValidationError as exc:
            messages.warning(request, " ".join(exc.messages))
        response = redirect(f"{reverse('projects:public_proposals')}?year={proposal.for_year}#proposal-{proposal.pk}")
        if new_token:
            response.set_cookie(VOTER_COOKIE, new_token, max_age=400 * 24 * 3600, httponly=True, samesite="Lax")
        return response


class ProposalList(ObjectListView):
    model = Proposal
    filterset_class = filtersets.ProposalFilterSet
    search_fields = ("title", "description")
    columns = [
        Column("title", gettext_lazy("title"), link=True),
        Column("category", gettext_lazy("category")),
        Column("community", gettext_lazy("community")),
        Column("for_year", gettext_lazy("for year")),
        Column("votes", gettext_lazy("votes")),
        Column("status", gettext_lazy("status")),
        Column("department", gettext_lazy("answering department")),
        Column("proposer_phone", gettext_lazy("proposer phone"), personal="phone"),
        Column("created_at", gettext_lazy("submitted at")),
    ]

    def get_base_queryset(self):
        return Proposal.objects.select_related("community", "department")


class ProposalDetail(ObjectDetailView):
    model = Proposal
    template_name = "projects/proposal_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ok = user.has_perm("projects.change_proposal") and _in_scope(self.object, user)
        ctx["answer_form"] = (
            forms.ProposalAnswerForm(
                initial={
                    "status": self.object.status
                    if self.object.status != Proposal.Status.SUBMITTED
                    else Proposal.Status.ANSWERED,
                    "answer": self.object.answer,
                    "version": self.object.version,
                }
            )
            if ok
            else None
        )
        ctx["project_form"] = (
            forms.ProposalToProjectForm(initial={"code": f"MS-{self.object.for_year}-P{self.object.pk:03d}"})
            if ok and user.has_perm("projects.add_project") and not self.object.project_id
            else None
        )
        ctx["edit_url"] = ctx["delete_url"] = None
        return ctx


class ProposalAnswer(ObjectActionView):
    model = Proposal
    form_class = forms.ProposalAnswerForm
    title = gettext_lazy("Answer the proposal")

    def perform(self, form):
        d = form.cleaned_data
        return services.proposal_answer(
            proposal=self.object,
            actor=self.request.user,
            answer=d["answer"],
            status=d["status"],
            expected_version=d.get("version"),
        )


class ProposalToProject(ObjectActionView):
    model = Proposal
    permission_required = "projects.add_project"
    form_class = forms.ProposalToProjectForm
    title = gettext_lazy("Make a project of this proposal")

    def perform(self, form):
        d = form.cleaned_data
        project = services.proposal_to_project(
            proposal=self.object,
            actor=self.request.user,
            code=d["code"],
            department=d["department"],
            total_investment=d["total_investment"],
            answer=d["answer"],
        )
        if not _in_scope(project, self.request.user):
            raise ValidationError(_("You cannot place this record outside your own scope."))
        return project

    def get_success_url(self):
        result = getattr(self, "result", None)
        if result is not None:
            return reverse("projects:project_detail", args=[result.pk])
        return super().get_success_url()


class PhotoView(ScopedFileView):
    """A project's progress photo, to those who may see the project."""

    model = ProjectPhoto
    permission_required = "projects.view_project"  # whoever sees the project sees its photos there
    file_field = "image"
