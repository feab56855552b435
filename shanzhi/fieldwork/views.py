"""Pages of field work. Lists and reference data use the core generic views; workflow steps are
small POST views (`ActionView`) that call one service and report a refusal as a clear message."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import generic
from django.views.generic.detail import SingleObjectMixin

from shanzhi.core.errors import ConflictError
from shanzhi.core.masking import mask_name
from shanzhi.core.scoping import ADD, CHANGE, VIEW
from shanzhi.core.views import (
    Column,
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectListView,
    ObjectUpdateView,
    ScopedMixin,
    file_response,
)
from shanzhi.fieldwork import casebridge, filtersets, forms, selectors, services, workflows
from shanzhi.fieldwork.models import (
    AlertChain,
    AlertChainStep,
    Checklist,
    Dispute,
    FieldPhoto,
    Finding,
    Hazard,
    Incident,
    IncidentAlert,
    Patrol,
    PatrolPlan,
    RiverSection,
    SafetyRecord,
    Wish,
)


def _version(form) -> int | None:
    v = form.cleaned_data.get("version") if hasattr(form, "cleaned_data") else None
    return int(v) if v else None


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(str(m) for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(str(m) for m in exc.messages)


class ServiceFormView(ScopedMixin, generic.FormView):
    """A form whose valid data go to one service; its refusals become form errors (nothing saved)."""

    template_name = "fieldwork/form.html"
    scope_action = ADD
    title = ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if getattr(self.form_class, "wants_request", False):
            kwargs["request"] = self.request
        return kwargs

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = self.perform(form)
        except ConflictError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message())
        return HttpResponseRedirect(self.get_success_url())

    def success_message(self) -> str:
        return _("Saved.")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = self.title
        return ctx


class ActionView(ScopedMixin, SingleObjectMixin, generic.View):
    """POST one workflow step on one record; GET goes back to the record's page."""

    scope_action = CHANGE
    form_class = forms.NoteForm
    success_text = gettext_lazy("Done.")

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            raise Http404(_("Not found, or outside your scope.")) from None

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()  # 404 outside the scope, like the POST
        return redirect(self.success_url())

    def form_kwargs(self) -> dict:
        return {}

    def success_url(self) -> str:
        return reverse(f"fieldwork:{self.model._meta.model_name}_detail", args=[self.kwargs["pk"]])

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.form_class(request.POST, request.FILES, **self.form_kwargs())
        if not form.is_valid():
            errors = [
                f"{form.fields[f].label if f in form.fields else ''} {e}".strip()
                for f, errs in form.errors.items()
                for e in errs
            ]
            messages.error(request, _("Nothing was saved: %(errors)s") % {"errors": " ".join(errors)})
            return redirect(self.success_url())
        try:
            with transaction.atomic():
                self.perform(form)
        except ConflictError as exc:
            messages.error(request, _("Nothing was saved: %(errors)s") % {"errors": exc.message})
        except ValidationError as exc:
            messages.error(request, _("Nothing was saved: %(errors)s") % {"errors": _error_text(exc)})
        else:
            messages.success(request, str(self.success_text))
        return redirect(self.success_url())


def _timeline_context(obj) -> dict:
    return {"timeline": services.timeline_for(obj), "photos": services.photos_for(obj)}


# ============================================================================ micro-wishes


class WishList(ObjectListView):
    model = Wish
    filterset_class = filtersets.WishFilterSet
    search_fields = ("title", "code", "claimer_name")
    template_name = "fieldwork/wish_list.html"
    columns = [
        Column("code", gettext_lazy("code"), link=True),
        Column("title", gettext_lazy("wish")),
        Column("beneficiary_kind", gettext_lazy("for whom")),
        Column("community", gettext_lazy("community")),
        Column("budget", gettext_lazy("budget (yuan)")),
        Column("deadline", gettext_lazy("wanted by")),
        Column("status", gettext_lazy("status")),
        Column("claimer_name", gettext_lazy("claimed by")),
        Column(lambda w: bool(w.flagged_at) and w.status == Wish.Status.PUBLISHED, gettext_lazy("near deadline")),
    ]

    def get_base_queryset(self):
        return Wish.objects.select_related("community")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["counts"] = selectors.wish_counts(self.request.user)
        return ctx


class WishCreate(ServiceFormView):
    model = Wish
    form_class = forms.WishForm
    title = gettext_lazy("Post a micro-wish")

    def perform(self, form):
        return services.wish_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return reverse("fieldwork:wish_detail", args=[self.object.pk])


class WishClaimableMixin:
    """Published wishes are public: anyone who may claim reaches them, whatever their scope."""

    def get_queryset(self):
        scoped = Wish.objects.restrict(self.request.user, VIEW)
        if self.request.user.has_perm("fieldwork.claim_wish"):
            return Wish.objects.filter(Q(pk__in=scoped.values("pk")) | Q(status=Wish.Status.PUBLISHED))
        return scoped


class WishDetail(ObjectDetailView):
    """Strictly scoped: claimers reach a wish from the public wall and see it once they hold it."""

    model = Wish
    template_name = "fieldwork/wish_detail.html"
    fields = [
        Column("code", gettext_lazy("code")),
        Column("title", gettext_lazy("wish")),
        Column("description", gettext_lazy("description")),
        Column("beneficiary_kind", gettext_lazy("for whom")),
        Column("beneficiary_name", gettext_lazy("beneficiary (private)"), personal="name"),
        Column("beneficiary_phone", gettext_lazy("beneficiary phone"), personal="phone"),
        Column("budget", gettext_lazy("budget (yuan)")),
        Column("deadline", gettext_lazy("wanted by")),
        Column("community", gettext_lazy("community")),
        Column("grid", gettext_lazy("grid")),
        Column("status", gettext_lazy("status")),
        Column("submitted_by", gettext_lazy("submitted by")),
        Column("claimer_kind", gettext_lazy("claimed by (kind)")),
        Column("claimer_name", gettext_lazy("claimed by")),
        Column("claimer_phone", gettext_lazy("claimer phone"), personal="phone"),
        Column("claimed_at", gettext_lazy("claimed at")),
        Column("proof_note", gettext_lazy("delivery note")),
        Column("delivered_at", gettext_lazy("delivered at")),
        Column("completed_at", gettext_lazy("confirmed at")),
        Column("thanks", gettext_lazy("thanks")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        wish, user = self.object, self.request.user
        staff = (
            user.has_perm("fieldwork.change_wish") and Wish.objects.filter(pk=wish.pk).restrict(user, CHANGE).exists()
        )
        actions = []
        for action in workflows.allowed_actions(workflows.WISH, wish.status):
            if action == "claim" and not user.has_perm("fieldwork.claim_wish"):
                continue
            if action in ("publish", "reject", "thank") and not staff:
                continue
            if action in ("release", "deliver") and not (staff or wish.claimer_user_id == user.pk):
                continue
            if action in ("confirm", "dispute_delivery", "cancel") and not (staff or wish.submitted_by_id == user.pk):
                continue
            actions.append(action)
        ctx["actions"] = [(a, workflows.action_label(a)) for a in actions]
        ctx["claim_form"] = forms.ClaimForm(initial={"version": wish.version, "claimer_name": str(user)})
        ctx["deliver_form"] = forms.DeliverForm(initial={"version": wish.version})
        ctx["thanks_form"] = forms.ThanksForm(initial={"version": wish.version})
        ctx["note_form"] = forms.NoteForm(initial={"version": wish.version})
        ctx.update(_timeline_context(wish))
        return ctx


class WishAction(WishClaimableMixin, ActionView):
    model = Wish
    scope_action = VIEW  # the service checks the step's own permission and guard

    FORMS = {"claim": forms.ClaimForm, "deliver": forms.DeliverForm, "thank": forms.ThanksForm}

    def post(self, request, *args, **kwargs):
        if (None, kwargs["action"]) not in {(None, a) for (_s, a) in workflows.WISH}:
            raise Http404
        self.form_class = self.FORMS.get(kwargs["action"], forms.NoteForm)
        return super().post(request, *args, **kwargs)

    def success_url(self):
        obj = getattr(self, "object", None)
        # A claimer who does not (or no longer) hold the wish goes back to the wall, with the message.
        if obj is not None and not Wish.objects.filter(pk=obj.pk).restrict(self.request.user).exists():
            return reverse("fieldwork:wish_wall")
        return super().success_url()

    def perform(self, form):
        data = form.cleaned_data
        services.wish_transition(
            wish=self.object,
            action=self.kwargs["action"],
            actor=self.request.user,
            note=data.get("note", ""),
            expected_version=_version(form),
            claimer_kind=data.get("claimer_kind", ""),
            claimer_name=data.get("claimer_name", ""),
            claimer_phone=data.get("claimer_phone", ""),
            thanks=data.get("thanks", ""),
            photos=data.get("photos", []),
        )


class WishWall(generic.ListView):
    """The public wish wall: published, claimed and fulfilled wishes, no personal data."""

    scope_exempt = "Public wish wall (微心愿墙): shows only published wishes, without any personal data."
    template_name = "fieldwork/wish_wall.html"
    paginate_by = 30

    def get_queryset(self):
        qs = (
            Wish.objects.filter(
                status__in=[Wish.Status.PUBLISHED, Wish.Status.CLAIMED, Wish.Status.DELIVERED, Wish.Status.COMPLETED]
            )
            .select_related("community")
            .only(
                "pk",
                "code",
                "title",
                "description",
                "beneficiary_kind",
                "budget",
                "deadline",
                "status",
                "community__name",
                "claimer_kind",
                "claimer_name",
                "thanks",
                "published_at",
                "completed_at",
            )
            .order_by("status", "deadline")
        )
        status = self.request.GET.get("status")
        if status in ("published", "completed"):
            qs = qs.filter(status=status)
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        cards = []
        for w in ctx["object_list"]:
            claimer = ""
            if w.claimer_name:
                claimer = w.claimer_name if w.claimer_kind == Wish.ClaimerKind.UNIT else mask_name(w.claimer_name)
            cards.append({"wish": w, "claimer": claimer})
        ctx["cards"] = cards
        totals = Wish.objects.aggregate(
            published=Count("pk", filter=Q(status=Wish.Status.PUBLISHED)),
            completed=Count("pk", filter=Q(status=Wish.Status.COMPLETED)),
        )
        ctx["totals"] = totals
        ctx["can_claim"] = self.request.user.is_authenticated and self.request.user.has_perm("fieldwork.claim_wish")
        ctx["claim_kinds"] = Wish.ClaimerKind.choices
        return ctx


# ============================================================================ disputes


class DisputeList(ObjectListView):
    model = Dispute
    filterset_class = filtersets.DisputeFilterSet
    search_fields = ("title", "code", "description")
    columns = [
        Column("code", gettext_lazy("code"), link=True),
        Column("title", gettext_lazy("title")),
        Column("dispute_type", gettext_lazy("type")),
        Column("community", gettext_lazy("community")),
        Column("grid", gettext_lazy("grid")),
        Column("risk_level", gettext_lazy("risk level")),
        Column("is_group", gettext_lazy("group dispute")),
        Column("status", gettext_lazy("status")),
        Column("created_at", gettext_lazy("created at")),
    ]

    def get_base_queryset(self):
        return Dispute.objects.select_related("community", "grid")


class DisputeCreate(ServiceFormView):
    model = Dispute
    form_class = forms.DisputeForm
    title = gettext_lazy("Register a dispute")

    def perform(self, form):
        d = dict(form.cleaned_data)
        parties = [
            {
                "name": d.pop("applicant_name"),
                "kind": d.pop("applicant_kind"),
                "phone": d.pop("applicant_phone"),
                "side": "applicant",
            },
            {
                "name": d.pop("respondent_name"),
                "kind": d.pop("respondent_kind"),
                "phone": d.pop("respondent_phone"),
                "side": "respondent",
            },
        ]
        dispute = services.dispute_create(actor=self.request.user, parties=parties, **d)
        if not Dispute.objects.filter(pk=dispute.pk).restrict(self.request.user, CHANGE).exists():
            raise ValidationError(_("You cannot place this record outside your own scope."))
        return dispute

    def get_success_url(self):
        return reverse("fieldwork:dispute_detail", args=[self.object.pk])


class DisputeDetail(ObjectDetailView):
    model = Dispute
    template_name = "fieldwork/dispute_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        d = self.object
        ctx["parties"] = d.parties.filter(is_deleted=False)
        ctx["sessions"] = d.sessions.filter(is_deleted=False)
        ctx["can_act"] = (
            ctx["can_change"] and Dispute.objects.filter(pk=d.pk).restrict(self.request.user, CHANGE).exists()
        )
        allowed = set(workflows.allowed_actions(workflows.DISPUTE, d.status))
        v = {"version": d.version}
        ctx["action_forms"] = (
            [
                (a, workflows.action_label(a), form)
                for a, form in [
                    (
                        "session",
                        forms.SessionForm(initial={**v, "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}),
                    ),
                    ("agree", forms.AgreementForm(initial=v)),
                    ("refer", forms.ReferForm(initial=v)),
                    (
                        "follow_up",
                        forms.SessionForm(
                            initial={**v, "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}, prefix=None
                        ),
                    ),
                    ("close", forms.NoteForm(initial=v)),
                    ("reopen", forms.NoteForm(initial=v)),
                ]
                if a in allowed
            ]
            if ctx["can_act"]
            else []
        )
        ctx["risk_form"] = forms.RiskForm(
            initial={
                **v,
                "risk_level": d.risk_level,
                "risk_reason": d.risk_reason,
                "people_involved": d.people_involved,
            }
        )
        ctx["party_form"] = forms.PartyForm()
        ctx["can_see_personal"] = self.can_see_personal
        ctx.update(_timeline_context(d))
        return ctx


class DisputeAction(ActionView):
    model = Dispute
    FORMS = {
        "session": forms.SessionForm,
        "follow_up": forms.SessionForm,
        "agree": forms.AgreementForm,
        "refer": forms.ReferForm,
        "close": forms.NoteForm,
        "reopen": forms.NoteForm,
        "risk": forms.RiskForm,
        "party": forms.PartyForm,
    }

    def post(self, request, *args, **kwargs):
        if kwargs["action"] not in self.FORMS:
            raise Http404
        self.form_class = self.FORMS[kwargs["action"]]
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        data, action, user = form.cleaned_data, self.kwargs["action"], self.request.user
        if action == "risk":
            services.dispute_set_risk(
                dispute=self.object,
                actor=user,
                risk_level=data["risk_level"],
                risk_reason=data["risk_reason"],
                people_involved=data["people_involved"],
                expected_version=_version(form),
            )
        elif action == "party":
            services.dispute_party_add(dispute=self.object, actor=user, **data)
        else:
            services.dispute_transition(
                dispute=self.object,
                action=action,
                actor=user,
                note=data.get("note", ""),
                expected_version=_version(form),
                held_at=data.get("held_at"),
                mediators=data.get("mediators", ""),
                outcome=data.get("outcome", ""),
                agreement=data.get("agreement", ""),
                agreement_file=data.get("agreement_file"),
                referred_to=data.get("referred_to", ""),
                referral_body=data.get("referral_body", ""),
            )


# ============================================================================ checklists, river sections, plans


class ChecklistList(ObjectListView):
    model = Checklist
    search_fields = ("name",)
    columns = [
        Column("name", gettext_lazy("name"), link=True),
        Column("kind", gettext_lazy("kind")),
        Column(lambda c: len(c.items), gettext_lazy("items")),
        Column("is_active", gettext_lazy("active")),
    ]


class ChecklistDetail(ObjectDetailView):
    model = Checklist
    fields = [
        Column("name", gettext_lazy("name")),
        Column("kind", gettext_lazy("kind")),
        Column(lambda c: "；".join(c.items), gettext_lazy("items")),
        Column("is_active", gettext_lazy("active")),
    ]


class ChecklistCreate(ObjectCreateView):
    model = Checklist
    form_class = forms.ChecklistForm


class ChecklistUpdate(ObjectUpdateView):
    model = Checklist
    form_class = forms.ChecklistForm


class RiverSectionList(ObjectListView):
    model = RiverSection
    search_fields = ("name", "river")
    columns = [
        Column("river", gettext_lazy("river")),
        Column("name", gettext_lazy("name"), link=True),
        Column("length_km", gettext_lazy("length (km)")),
        Column("community", gettext_lazy("community")),
        Column("chief", gettext_lazy("river chief")),
    ]

    def get_base_queryset(self):
        return RiverSection.objects.select_related("community", "chief")


class RiverSectionDetail(ObjectDetailView):
    model = RiverSection


class RiverSectionCreate(ObjectCreateView):
    model = RiverSection
    form_class = forms.RiverSectionForm


class RiverSectionUpdate(ObjectUpdateView):
    model = RiverSection
    form_class = forms.RiverSectionForm


class PatrolPlanList(ObjectListView):
    model = PatrolPlan
    filterset_class = filtersets.PatrolPlanFilterSet
    search_fields = ("name",)
    columns = [
        Column("name", gettext_lazy("name"), link=True),
        Column("patroller", gettext_lazy("patroller")),
        Column("patroller_role", gettext_lazy("patroller role")),
        Column("target", gettext_lazy("where")),
        Column("place", gettext_lazy("place")),
        Column("frequency", gettext_lazy("how often")),
        Column("times_per_period", gettext_lazy("patrols per period")),
        Column("checklist", gettext_lazy("checklist")),
        Column("is_active", gettext_lazy("active")),
    ]

    def get_base_queryset(self):
        return PatrolPlan.objects.select_related(
            "patroller", "community", "grid", "river_section", "enterprise", "checklist"
        )


class PatrolPlanDetail(ObjectDetailView):
    model = PatrolPlan


class PatrolPlanCreate(ObjectCreateView):
    model = PatrolPlan
    form_class = forms.PatrolPlanForm


class PatrolPlanUpdate(ObjectUpdateView):
    model = PatrolPlan
    form_class = forms.PatrolPlanForm


class PatrolPlanDelete(ObjectDeleteView):
    model = PatrolPlan


# ============================================================================ patrols


class PatrolList(ObjectListView):
    model = Patrol
    filterset_class = filtersets.PatrolFilterSet
    search_fields = ("code", "notes")
    template_name = "fieldwork/patrol_list.html"
    columns = [
        Column("code", gettext_lazy("code"), link=True),
        Column("patroller", gettext_lazy("patroller")),
        Column("place", gettext_lazy("place")),
        Column("checklist", gettext_lazy("checklist")),
        Column("started_at", gettext_lazy("started at")),
        Column("ended_at", gettext_lazy("ended at")),
        Column("status", gettext_lazy("status")),
        Column("finding_count", gettext_lazy("findings")),
    ]

    def get_base_queryset(self):
        return Patrol.objects.select_related(
            "patroller", "community", "grid", "river_section", "enterprise", "checklist"
        ).annotate(finding_count=Count("findings", filter=Q(findings__is_deleted=False)))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["current"] = Patrol.objects.filter(patroller=self.request.user, status=Patrol.Status.IN_PROGRESS).first()
        ctx["can_start"] = self.request.user.has_perm("fieldwork.add_patrol")
        return ctx


class PatrolStart(ServiceFormView):
    model = Patrol
    form_class = forms.PatrolStartForm
    template_name = "fieldwork/patrol_start.html"
    title = gettext_lazy("Start a patrol")

    def perform(self, form):
        d = form.cleaned_data
        return services.patrol_start(
            actor=self.request.user,
            plan=d.get("plan"),
            checklist=d.get("checklist"),
            grid=d.get("grid"),
            enterprise=d.get("enterprise"),
            river_section=d.get("river_section"),
            longitude=d.get("longitude"),
            latitude=d.get("latitude"),
        )

    def success_message(self):
        return _("Patrol started.")

    def get_success_url(self):
        return reverse("fieldwork:patrol_detail", args=[self.object.pk])


class PatrolDetail(ObjectDetailView):
    model = Patrol
    template_name = "fieldwork/patrol_detail.html"
    fields = [
        Column("code", gettext_lazy("code")),
        Column("patroller", gettext_lazy("patroller")),
        Column("place", gettext_lazy("place")),
        Column("checklist", gettext_lazy("checklist")),
        Column("status", gettext_lazy("status")),
        Column("started_at", gettext_lazy("started at")),
        Column("ended_at", gettext_lazy("ended at")),
        Column("notes", gettext_lazy("notes")),
    ]

    def get_base_queryset(self):
        return Patrol.objects.select_related(
            "patroller", "checklist", "grid", "community", "enterprise", "river_section"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p, user = self.object, self.request.user
        ctx["items"] = ctx["items"]
        ctx["checks"] = [(item, p.results.get(item, "")) for item in p.checklist.items]
        ctx["findings"] = p.findings.filter(is_deleted=False)
        ctx["can_act"] = (
            p.status == Patrol.Status.IN_PROGRESS
            and (p.patroller_id == user.pk or Patrol.objects.filter(pk=p.pk).restrict(user, CHANGE).exists())
            and user.has_perm("fieldwork.change_patrol")
        )
        ctx["finding_form"] = forms.FindingForm(patrol=p)
        ctx.update(_timeline_context(p))
        return ctx


class PatrolAction(ActionView):
    model = Patrol

    def post(self, request, *args, **kwargs):
        action = kwargs["action"]
        if action not in ("check", "find", "end"):
            raise Http404
        self.form_class = {"find": forms.FindingForm, "end": forms.NoteForm}.get(action, forms.NoteForm)
        return super().post(request, *args, **kwargs)

    def form_kwargs(self):
        return {"patrol": self.object} if self.kwargs["action"] == "find" else {}

    def perform(self, form):
        action, user, d = self.kwargs["action"], self.request.user, form.cleaned_data
        if action == "check":
            results = {
                item: self.request.POST.get(f"check_{i}")
                for i, item in enumerate(self.object.checklist.items)
                if self.request.POST.get(f"check_{i}")
            }
            services.patrol_check(
                patrol=self.object,
                actor=user,
                results=results,
                notes=d.get("note") or None,
                expected_version=_version(form),
            )
            self.success_text = _("Checks saved.")
        elif action == "find":
            finding = services.finding_report(
                patrol=self.object,
                actor=user,
                description=d["description"],
                item=d.get("item", ""),
                photos=d.get("photos", []),
                rectify_workdays=d.get("rectify_workdays"),
                hazard_level=d.get("hazard_level", ""),
            )
            self.success_text = (
                _("Finding reported as case %(code)s.") % {"code": finding.case_code}
                if finding.case_code
                else _("Finding reported.")
            )
        else:
            services.patrol_end(
                patrol=self.object, actor=user, notes=d.get("note", ""), expected_version=_version(form)
            )
            self.success_text = _("Patrol ended.")


class FindingList(ObjectListView):
    model = Finding
    filterset_class = filtersets.FindingFilterSet
    search_fields = ("description", "case_code", "item")
    columns = [
        Column("description", gettext_lazy("problem"), link=True),
        Column("item", gettext_lazy("check item")),
        Column("patrol.place", gettext_lazy("place")),
        Column("case_code", gettext_lazy("case")),
        Column("deadline", gettext_lazy("rectification deadline")),
        Column("status", gettext_lazy("status")),
        Column("times_sent_back", gettext_lazy("times sent back")),
    ]

    def get_base_queryset(self):
        return Finding.objects.select_related(
            "patrol__grid", "patrol__community", "patrol__enterprise", "patrol__river_section"
        )


class FindingDetail(ObjectDetailView):
    model = Finding
    template_name = "fieldwork/finding_detail.html"
    fields = [
        Column("description", gettext_lazy("problem")),
        Column("item", gettext_lazy("check item")),
        Column("patrol", gettext_lazy("patrol")),
        Column("community", gettext_lazy("community")),
        Column("grid", gettext_lazy("grid")),
        Column("enterprise", gettext_lazy("enterprise")),
        Column("case_code", gettext_lazy("case")),
        Column("deadline", gettext_lazy("rectification deadline")),
        Column("status", gettext_lazy("status")),
        Column("reinspected_at", gettext_lazy("re-inspected at")),
        Column("reinspection_note", gettext_lazy("re-inspection note")),
        Column("times_sent_back", gettext_lazy("times sent back")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        f = self.object
        ctx["can_reinspect"] = (
            f.status in (Finding.Status.OPEN, Finding.Status.SENT_BACK)
            and ctx["can_change"]
            and Finding.objects.filter(pk=f.pk).restrict(self.request.user, CHANGE).exists()
        )
        ctx["reinspect_form"] = forms.ReinspectForm(initial={"version": f.version})
        case = casebridge.case_of(f)
        ctx["case"] = case
        if case is not None:
            try:
                ctx["case_url"] = reverse("cases:case_detail", args=[case.pk])
            except Exception:  # the cases pages may not be mounted yet
                ctx["case_url"] = ""
        ctx.update(_timeline_context(f))
        return ctx


class FindingReinspect(ActionView):
    model = Finding
    form_class = forms.ReinspectForm

    def perform(self, form):
        d = form.cleaned_data
        services.finding_reinspect(
            finding=self.object,
            actor=self.request.user,
            passed=d["passed"],
            note=d.get("note", ""),
            photos=d.get("photos", []),
            expected_version=_version(form),
        )
        self.success_text = _("Re-inspection recorded.")


class ComplianceView(ScopedMixin, generic.TemplateView):
    """Patrols done vs planned per person and per area, with the overdue plans."""

    model = PatrolPlan
    scope_action = VIEW
    template_name = "fieldwork/compliance.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            from shanzhi.core import services as core_services
            from shanzhi.core.excel import xlsx_response
            from shanzhi.core.models import AuditEvent

            data = selectors.compliance(request.user)
            headers = [
                _("patrol plan"),
                _("patroller"),
                _("community"),
                _("period"),
                _("planned"),
                _("done"),
                _("previous period"),
                _("done in previous period"),
                pgettext("patrol", "overdue"),
            ]
            rows = [
                [
                    r.plan.name,
                    str(r.plan.patroller),
                    str(r.plan.community),
                    r.period,
                    r.planned,
                    r.done,
                    r.previous_period,
                    r.previous_done,
                    r.overdue,
                ]
                for r in data["rows"]
            ]
            core_services.audit_log(
                actor=request.user, action=AuditEvent.Action.EXPORT, model=PatrolPlan, note="compliance"
            )
            return xlsx_response(headers, rows, filename=_("patrol compliance"))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(selectors.compliance(self.request.user))
        return ctx


# ============================================================================ enterprise safety


class SafetyRecordList(ObjectListView):
    model = SafetyRecord
    search_fields = ("enterprise__name", "responsible_person")
    columns = [
        Column("enterprise", gettext_lazy("enterprise"), link=True),
        Column("community", gettext_lazy("community")),
        Column("responsible_person", gettext_lazy("person responsible")),
        Column("responsible_phone", gettext_lazy("phone"), personal="phone"),
        Column("safety_officer", gettext_lazy("safety officer")),
        Column("last_inspection_at", gettext_lazy("last inspection")),
        Column("open_hazards", gettext_lazy("open hazards")),
        Column("major_hazards", gettext_lazy("major hazards")),
    ]

    def get_base_queryset(self):
        from django.db.models import OuterRef, Subquery
        from django.db.models.functions import Coalesce

        def hazards(level=None):
            q = Hazard.objects.filter(enterprise=OuterRef("enterprise"), status=Hazard.Status.OPEN)
            if level:
                q = q.filter(level=level)
            return Coalesce(Subquery(q.values("enterprise").annotate(n=Count("pk")).values("n")[:1]), 0)

        return SafetyRecord.objects.select_related("enterprise", "community").annotate(
            open_hazards=hazards(), major_hazards=hazards(Hazard.Level.MAJOR)
        )


class SafetyRecordDetail(ObjectDetailView):
    model = SafetyRecord
    template_name = "fieldwork/safety_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, ent = self.request.user, self.object.enterprise
        ctx["hazards"] = Hazard.objects.restrict(user).filter(enterprise=ent)
        ctx["inspections"] = Patrol.objects.restrict(user).filter(enterprise=ent).select_related("patroller")[:20]
        return ctx


class SafetyRecordCreate(ObjectCreateView):
    model = SafetyRecord
    form_class = forms.SafetyRecordForm

    def save_form(self, form):
        d = form.cleaned_data
        return services.safety_record_save(actor=self.request.user, **d)


class SafetyRecordUpdate(ObjectUpdateView):
    model = SafetyRecord
    form_class = forms.SafetyRecordForm

    def save_form(self, form):
        return services.safety_record_save(actor=self.request.user, **form.cleaned_data)


class HazardList(ObjectListView):
    model = Hazard
    filterset_class = filtersets.HazardFilterSet
    search_fields = ("description", "enterprise__name")
    columns = [
        Column("description", gettext_lazy("hazard"), link=True),
        Column("enterprise", gettext_lazy("enterprise")),
        Column("level", gettext_lazy("level")),
        Column("found_at", gettext_lazy("found at")),
        Column("deadline", gettext_lazy("rectification deadline")),
        Column("status", gettext_lazy("status")),
    ]

    def get_base_queryset(self):
        return Hazard.objects.select_related("enterprise")


class HazardDetail(ObjectDetailView):
    model = Hazard


class HazardCreate(ObjectCreateView):
    model = Hazard
    form_class = forms.HazardForm

    def extra_create_fields(self):
        return {}

    def save_form(self, form):
        from shanzhi.core import services as core_services

        d = dict(form.cleaned_data)
        ent = d["enterprise"]
        return core_services.record_create(Hazard, actor=self.request.user, community=ent.community, grid=ent.grid, **d)


class HazardUpdate(ObjectUpdateView):
    model = Hazard
    form_class = forms.HazardForm


# ============================================================================ emergencies


class IncidentList(ObjectListView):
    model = Incident
    filterset_class = filtersets.IncidentFilterSet
    search_fields = ("title", "code", "address")
    columns = [
        Column("code", gettext_lazy("code"), link=True),
        Column("title", gettext_lazy("title")),
        Column("incident_type", gettext_lazy("type")),
        Column("severity", gettext_lazy("severity")),
        Column("is_drill", gettext_lazy("drill")),
        Column("address", gettext_lazy("place")),
        Column("occurred_at", gettext_lazy("occurred at")),
        Column("status", gettext_lazy("status")),
    ]

    def get_base_queryset(self):
        return Incident.objects.select_related("community")


class IncidentCreate(ServiceFormView):
    model = Incident
    form_class = forms.IncidentForm
    title = gettext_lazy("Report an incident")

    def perform(self, form):
        return services.incident_report(actor=self.request.user, **form.cleaned_data)

    def success_message(self):
        return _("Incident reported; the alert chain has been notified.")

    def get_success_url(self):
        return reverse("fieldwork:incident_detail", args=[self.object.pk])


class IncidentDetail(ObjectDetailView):
    """The live incident page: who was alerted, who acknowledged when, actions, status."""

    model = Incident
    template_name = "fieldwork/incident_detail.html"
    fields = [
        Column("code", gettext_lazy("code")),
        Column("incident_type", gettext_lazy("type")),
        Column("severity", gettext_lazy("severity")),
        Column("is_drill", gettext_lazy("drill")),
        Column("address", gettext_lazy("place")),
        Column("description", gettext_lazy("description")),
        Column("community", gettext_lazy("community")),
        Column("grid", gettext_lazy("grid")),
        Column("reported_by", gettext_lazy("reported by")),
        Column("occurred_at", gettext_lazy("occurred at")),
        Column("chain", gettext_lazy("alert chain")),
        Column("status", gettext_lazy("status")),
        Column("closed_at", gettext_lazy("closed at")),
        Column("summary", gettext_lazy("summary")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        inc, user = self.object, self.request.user
        ctx["alerts"] = IncidentAlert.objects.filter(incident=inc).select_related("user")
        ctx["my_alert"] = next((a for a in ctx["alerts"] if a.user_id == user.pk), None)
        ctx["now"] = timezone.now()
        ctx["is_open"] = inc.status != Incident.Status.CLOSED
        ctx["can_act"] = (
            ctx["is_open"] and Incident.objects.filter(pk=inc.pk).restrict(user, CHANGE).exists() and ctx["can_change"]
        )
        ctx["act_form"] = forms.IncidentActForm()
        ctx["close_form"] = forms.IncidentCloseForm(initial={"version": inc.version})
        ctx.update(_timeline_context(inc))
        return ctx


class IncidentAction(ActionView):
    model = Incident

    def get_queryset(self):
        if self.kwargs.get("action") == "ack":
            return Incident.objects.restrict(self.request.user, VIEW)
        return super().get_queryset()

    def get_permission_required(self):
        if self.kwargs.get("action") == "ack":
            return "fieldwork.view_incident"
        return super().get_permission_required()

    def post(self, request, *args, **kwargs):
        action = kwargs["action"]
        if action not in ("ack", "act", "close"):
            raise Http404
        self.form_class = {"act": forms.IncidentActForm, "close": forms.IncidentCloseForm}.get(action, forms.NoteForm)
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        action, user, d = self.kwargs["action"], self.request.user, form.cleaned_data
        try:
            if action == "ack":
                services.incident_acknowledge(incident=self.object, actor=user, note=d.get("note", ""))
                self.success_text = _("Acknowledged.")
            elif action == "act":
                services.incident_act(incident=self.object, actor=user, note=d["note"], photos=d.get("photos", []))
                self.success_text = _("Action recorded.")
            else:
                services.incident_close(
                    incident=self.object, actor=user, summary=d["summary"], expected_version=_version(form)
                )
                self.success_text = _("Incident closed.")
        except PermissionDenied as exc:
            raise ValidationError(str(exc)) from exc


class AlertChainList(ObjectListView):
    model = AlertChain
    columns = [
        Column("name", gettext_lazy("name"), link=True),
        Column("incident_type", gettext_lazy("incident type")),
        Column("max_severity", gettext_lazy("applies from severity")),
        Column("step_count", gettext_lazy("people")),
        Column("is_active", gettext_lazy("active")),
    ]

    def get_base_queryset(self):
        return AlertChain.objects.annotate(step_count=Count("steps", filter=Q(steps__is_deleted=False)))


class AlertChainDetail(ObjectDetailView):
    model = AlertChain
    template_name = "fieldwork/alertchain_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["steps"] = self.object.steps.filter(is_deleted=False).select_related("user")
        ctx["can_add_step"] = self.request.user.has_perm("fieldwork.add_alertchainstep")
        return ctx


class AlertChainCreate(ObjectCreateView):
    model = AlertChain
    form_class = forms.AlertChainForm


class AlertChainUpdate(ObjectUpdateView):
    model = AlertChain
    form_class = forms.AlertChainForm


class AlertChainStepCreate(ObjectCreateView):
    model = AlertChainStep
    form_class = forms.AlertChainStepForm

    def get_initial(self):
        return {"chain": self.request.GET.get("chain")}

    def get_success_url(self):
        return reverse("fieldwork:alertchain_detail", args=[self.object.chain_id])


class AlertChainStepDelete(ObjectDeleteView):
    model = AlertChainStep

    def post(self, request, *args, **kwargs):
        chain_id = self.get_object().chain_id
        super().post(request, *args, **kwargs)
        return redirect("fieldwork:alertchain_detail", pk=chain_id)


class PhotoView(ScopedMixin, generic.View):
    """A field-work photo, to whoever may see the record it belongs to: the record's page shows
    it to everyone in the record's scope (the photo's own scope is only its uploader)."""

    model = FieldPhoto
    require_model_permission = False  # the record's permission and scope decide, below

    def get(self, request, pk):
        photo = get_object_or_404(FieldPhoto.objects.select_related("content_type"), pk=pk, is_deleted=False)
        record = photo.content_type.model_class()
        visible = (
            record is not None
            and getattr(record, "scope_rule", None) is not None
            and request.user.has_perm(f"{record._meta.app_label}.view_{record._meta.model_name}")
            and record.objects.restrict(request.user).filter(pk=photo.object_id).exists()
        )
        if not visible:
            raise Http404(_("No such photo."))
        return file_response(photo.image, missing=_("The file is missing."))
