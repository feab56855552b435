from __future__ import annotations

import re
import uuid
from decimal import ROUND_HALF_UP, Decimal

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views import generic

from shanzhi.cases import conf, filtersets, forms, router, selectors, services, training, workflow
from shanzhi.cases.models import (
    HANDLED_STATES,
    OFFERED_CATEGORIES,
    Case,
    CaseAttachment,
    CaseEvent,
    Category,
    KeywordRule,
    RoutingModel,
)
from shanzhi.core import services as core_services
from shanzhi.core.errors import ConflictError
from shanzhi.core.excel import xlsx_response
from shanzhi.core.masking import mask_phone, phone_key
from shanzhi.core.models import AuditEvent
from shanzhi.core.params import expected_version, year_param
from shanzhi.core.scoping import ADD, CHANGE, VIEW, scope_for
from shanzhi.core.tasks import enqueue_job_now, job_under_way
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
from shanzhi.orgs.filtersets import ScopedFilterSet
from shanzhi.orgs.models import Community, Department

DANGER_ACTIONS = {"return", "cancel", "rework", "refuse_extension", "suspend"}


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


# ----------------------------------------------------------------------------- staff pages


_PHONE_LIKE = re.compile(r"\+?[0-9][0-9 ()\-]{5,24}")


class CaseList(ObjectListView):
    model = Case
    import_url_name = "cases:import"
    filterset_class = filtersets.CaseFilterSet
    search_fields = ("code", "title", "description", "address")
    template_name = "cases/case_list.html"
    columns = [
        Column("code", gettext_lazy("tracking code"), link=True),
        Column("title", gettext_lazy("title")),
        Column("category", gettext_lazy("category")),
        Column("status", gettext_lazy("status")),
        Column("kind", gettext_lazy("kind"), on_page=False),
        Column("department", gettext_lazy("handling department")),
        Column("grid", gettext_lazy("grid")),
        Column("received_at", gettext_lazy("received at"), on_page=False),
        Column("deadline", pgettext_lazy("case", "deadline")),
        Column("reporter_name", gettext_lazy("reporter name"), personal="name", on_page=False),
        Column("reporter_phone", gettext_lazy("reporter phone"), personal="phone", on_page=False),
        Column("urge_count", gettext_lazy("repeat calls (催办)"), on_page=False),
    ]

    def get_base_queryset(self):
        return Case.objects.select_related("category__parent", "department", "grid")

    def search_condition(self, q: str) -> Q:
        """Also a caller's cases by their whole phone number, however typed (as the caller
        history: `selectors.caller_history`); such a search is audited like it."""
        cond = super().search_condition(q)
        key = phone_key(q) if _PHONE_LIKE.fullmatch(q) else ""
        if key:
            cond |= Q(reporter_phone_key=key)
            core_services.audit_log(
                actor=self.request.user,
                action=AuditEvent.Action.VIEW_PERSONAL,
                model=Case,
                note=f"case search by phone {mask_phone(key)}",
            )
        return cond

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["desk_url"] = reverse("cases:desk") if can_use_desk(self.request.user) else None
        return ctx


# ----------------------------------------------------------------------------- dispatch desk

# Waiting for a person at the desk: new cases the router did not send on (low confidence, no
# grid, no model), cases the desk accepted but has not dispatched yet, and cases a department
# sent back (退回: `return` puts them with the desk again).
DESK_WAITING_STATES = (Case.Status.RECEIVED, Case.Status.ACCEPTED, Case.Status.RETURNED)


def can_use_desk(user) -> bool:
    """Staff of the street's dispatch desk (派单台), street leaders and administrators."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or user.role in ("admin", "leader"):
        return True
    return scope_for(user).dispatch_desk


def waiting_at_desk(qs):
    """The cases of `qs` (already restricted to the viewer) that sit with the desk: a waiting
    state, and the desk's department or none yet. A case the task worker has yet to route
    (routed_by "pending") waits for the worker, not for a person — unless it has waited longer
    than `services.ROUTING_OVERDUE` (the worker is down or behind): then a person decides."""
    overdue = timezone.now() - services.ROUTING_OVERDUE
    return (
        qs.filter(status__in=DESK_WAITING_STATES)
        .filter(Q(department__isnull=True) | Q(department__kind=Department.Kind.DISPATCH))
        .exclude(routed_by=Case.RoutedBy.PENDING, received_at__gt=overdue)
    )


class DeskFilterSet(ScopedFilterSet):
    status = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in DESK_WAITING_STATES], label=gettext_lazy("status")
    )
    source = django_filters.ChoiceFilter(choices=Case.Source.choices, label=gettext_lazy("channel"))
    category = django_filters.ModelChoiceFilter(
        queryset=selectors.categories_as_tree(), label=gettext_lazy("category"), method="filter_category"
    )
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=gettext_lazy("community"))
    outside_grids = django_filters.ChoiceFilter(
        choices=[("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))],
        method="filter_outside_grids",
        label=gettext_lazy("outside every grid"),
    )

    class Meta:
        model = Case
        fields = ["status", "source", "category", "community", "outside_grids"]

    def filter_outside_grids(self, qs, name, value):
        # A point in no grid (a case without a point is not outside: it has none).
        outside = Q(grid__isnull=True, longitude__isnull=False)
        return {"true": qs.filter(outside), "false": qs.exclude(outside)}.get(value, qs)

    def filter_category(self, qs, name, value):
        # At the desk the category is often only the router's suggestion: match either.
        if value is None:
            return qs
        return qs.filter(
            Q(category=value)
            | Q(category__parent=value)
            | Q(suggested_category=value)
            | Q(suggested_category__parent=value)
        )


def _waiting_hours(case: Case) -> float:
    return round((timezone.now() - case.received_at).total_seconds() / 3600, 1)


def _last_returns(case_ids: list[int]) -> dict[int, CaseEvent]:
    """The latest "return" step of each case (who returned it, and why), in one query."""
    out: dict[int, CaseEvent] = {}
    if case_ids:
        events = CaseEvent.objects.filter(case_id__in=case_ids, action="return").select_related("actor")
        for ev in events.order_by("case_id", "-at", "-id"):
            out.setdefault(ev.case_id, ev)
    return out


class DeskQueueView(ObjectListView):
    """派单台: the cases waiting for a person to send them to a department, oldest first."""

    model = Case
    filterset_class = DeskFilterSet
    search_fields = ("code", "title", "description", "address", "routing_reason")
    template_name = "cases/desk.html"
    export_name = gettext_lazy("dispatch-desk")
    columns = [
        Column("code", gettext_lazy("tracking code"), link=True),
        Column("status", gettext_lazy("status")),
        Column("received_at", gettext_lazy("received at")),
        Column(_waiting_hours, gettext_lazy("waiting (hours)")),
        Column("source", gettext_lazy("channel")),
        Column("title", gettext_lazy("title")),
        Column("category", gettext_lazy("category")),
        Column("suggested_category", gettext_lazy("suggested category")),
        Column("routed_by", gettext_lazy("routed by")),
        Column("routing_confidence", gettext_lazy("routing confidence")),
        Column("routing_reason", gettext_lazy("routing reason")),
        Column("community", gettext_lazy("community")),
        Column("grid", gettext_lazy("grid")),
        Column("return_count", gettext_lazy("returns")),
    ]

    def dispatch(self, request, *args, **kwargs):
        # Anonymous visitors go to the log-in page (ScopedMixin); signed-in others are refused.
        if request.user.is_authenticated and not can_use_desk(request.user):
            raise PermissionDenied(_("Only the dispatch desk and street leaders work this queue."))
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        qs = Case.objects.select_related("category__parent", "suggested_category__parent", "community", "grid")
        return waiting_at_desk(qs).order_by("received_at", "id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        now = timezone.now()
        items = []
        returns = _last_returns([c.pk for c in ctx["object_list"] if c.status == Case.Status.RETURNED])
        for case in ctx["object_list"]:
            # Pre-select the department the (suggested) category would send it to — unless that
            # department has just returned it: one click would send it straight back.
            category = case.category or case.suggested_category
            suggested = None
            if category is not None:
                suggested = category.default_department_id or (
                    category.parent.default_department_id if category.parent_id else None
                )
            returned = returns.get(case.pk)
            if returned is not None and returned.actor is not None and suggested == returned.actor.department_id:
                suggested = None
            items.append(
                {
                    "case": case,
                    "returned": returned,
                    "waiting": timesince(case.received_at, now),
                    "suggested_department_id": suggested,
                    # The title is often the description's beginning: show the text only if it says more.
                    "excerpt": "" if case.description.startswith(case.title) else case.description[:80],
                }
            )
        ctx["items"] = items
        ctx["stuck"] = selectors.stuck_submissions(self.request.user)
        ctx["departments"] = Department.objects.exclude(kind=Department.Kind.DISPATCH)
        ctx["next_url"] = self.request.get_full_path()
        ctx["min_confidence"] = float(conf.get("cases.routing_min_confidence"))
        return ctx


class CaseDetail(ObjectDetailView):
    model = Case
    template_name = "cases/case_detail.html"
    fields = [
        Column("status", gettext_lazy("status")),
        Column("kind", gettext_lazy("kind")),
        Column("source", gettext_lazy("source")),
        Column("nature", gettext_lazy("nature")),
        Column("category", gettext_lazy("category")),
        Column("priority", gettext_lazy("priority")),
        Column("description", pgettext_lazy("case", "description")),
        Column("address", gettext_lazy("address")),
        Column("community", gettext_lazy("community")),
        Column("grid", gettext_lazy("grid")),
        Column("department", gettext_lazy("handling department")),
        Column("received_at", gettext_lazy("received at")),
        Column("deadline", pgettext_lazy("case", "deadline")),
        Column("sign_deadline", gettext_lazy("sign-for deadline")),
        Column("reporter_name", gettext_lazy("reporter name"), personal="name"),
        Column("reporter_phone", gettext_lazy("reporter phone"), personal="phone"),
        Column("enterprise", gettext_lazy("enterprise")),
        Column("leader", pgettext_lazy("case", "responsible leader")),
        Column("reply", gettext_lazy("reply to the reporter")),
        Column("urge_count", gettext_lazy("repeat calls (催办)")),
    ]

    def get_base_queryset(self):
        return Case.objects.select_related("category__parent", "department", "grid", "community", "merged_into")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = self.object
        user = self.request.user
        ctx["draft"] = self.request.session.pop(_draft_key(case), None) or {}
        ctx["edit_url"] = ctx["delete_url"] = None
        ctx["events"] = [
            (ev, workflow.action_label(ev.action))
            for ev in case.events.select_related("actor").prefetch_related("attachments")
        ]
        ctx["attachments"] = case.attachments.filter(event__action="create")
        actions = services.available_actions(user, case)
        ctx["actions"] = [
            (a, workflow.action_label(a), a in DANGER_ACTIONS, workflow.TRANSITIONS[(case.status, a)].needs_note)
            for a in actions
            if a not in ("callback", "merge", "whistle", "rate_department")
        ]
        ctx["can_callback"] = "callback" in actions
        ctx["can_merge"] = "merge" in actions
        ctx["can_whistle"] = "whistle" in actions
        ctx["can_rate_department"] = "rate_department" in actions
        # Only the departments this user may still rate (once each, by the summoning side).
        ctx["rateable_summons"] = services.rateable_summons(case, user) if ctx["can_rate_department"] else []
        ctx["needs_department"] = {"dispatch", "reassign"}
        ctx["departments"] = Department.objects.exclude(kind=Department.Kind.DISPATCH)
        # A whistle's lead: the department handling the case, if any (else it must be chosen).
        handling = case.department
        ctx["whistle_lead"] = handling.pk if handling and handling.kind != Department.Kind.DISPATCH else None
        # Reassigning to the department that has the case is refused: it is not offered.
        ctx["reassign_departments"] = ctx["departments"].exclude(pk=case.department_id or 0)
        ctx["cancel_reasons"] = list(workflow.CANCEL_REASONS.items())
        ctx["pending_extension"] = _pending_extension(case)
        ctx["summons"] = case.summons.select_related("department")
        ctx["callbacks"] = case.callbacks.all()
        ctx["duplicates"] = services.likely_duplicates(case) if case.is_open else []
        ctx["satisfaction_choices"] = Case.Satisfaction.choices
        ctx["overdue"] = case.is_overdue(timezone.now())
        ctx["status_label"] = case.get_status_display()
        return ctx


def _pending_extension(case: Case) -> dict | None:
    """The extension request waiting for a leader: the days asked, who asked (the latest
    request's step) and the deadline approving it now would give."""
    if not case.extension_days_requested:
        return None
    asked = case.events.filter(action="request_extension").select_related("actor").order_by("-at", "-id").first()
    return {
        "days": case.extension_days_requested,
        "event": asked,
        "deadline": services.extension_deadline(case),
    }


class CaseTransitionView(ScopedMixin, generic.View):
    """POST one workflow action from the case page; conflicts and refusals come back as messages."""

    model = Case
    scope_action = CHANGE

    def get(self, request, pk):
        # Nothing to show here: out of scope is a 404 like everywhere, else back to the case.
        case = get_object_or_404(self.get_queryset(), pk=pk)
        return redirect(case.get_absolute_url())

    def post(self, request, pk):
        case = self.get_queryset().filter(pk=pk).first()
        if case is None:
            # Out of scope is a 404 — but a page read before the case went to another unit
            # (reassigned, returned) lands here too, and "Page not found" left the user guessing.
            return render(request, "cases/case_out_of_scope.html", status=404)
        action = request.POST.get("action", "")
        note = request.POST.get("note", "")
        post = request.POST
        # A quick action from a list (the desk queue) goes back to it.
        back = post.get("next", "")
        if back and not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = ""
        try:
            params = _transition_params(request, action)
            version = expected_version(post.get("version"))
            if action == "merge" and params.get("into") is not None:
                services.case_merge(
                    case=case,
                    into=params["into"],
                    actor=request.user,
                    note=note,
                    expected_version=version,
                )
            else:
                services.case_transition(
                    case=case,
                    action=action,
                    actor=request.user,
                    note=note,
                    expected_version=version,
                    photos=request.FILES.getlist("photos"),
                    **params,
                )
            # Back on a list (the desk's queue; the case list when the step took the case out
            # of the user's sight, e.g. a return), which does not show the case: say which one.
            if back or not Case.objects.restrict(request.user, VIEW).filter(pk=case.pk).exists():
                messages.success(
                    request, _("%(c)s — done: %(a)s.") % {"c": case.code, "a": workflow.action_label(action)}
                )
            else:
                messages.success(request, _("Done: %(a)s.") % {"a": workflow.action_label(action)})
        except ConflictError as exc:
            messages.error(request, exc.message)
            if not back:  # a quick action from a list: the list shows no form to refill
                _keep_draft(request, case, action)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            if not back:  # a quick action from a list: the list shows no form to refill
                _keep_draft(request, case, action)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("Your role may not do this."))
        if back:
            return redirect(back)
        if Case.objects.restrict(request.user, VIEW).filter(pk=case.pk).exists():
            return redirect(case.get_absolute_url())
        return redirect("cases:case_list")


def _transition_params(request, action: str) -> dict:
    """The step's inputs from the case page's POST, checked: every id-like field (department,
    lead, departments) must name a department; the services check the rest (days, score …)."""
    post = request.POST
    params: dict = {}
    if post.get("department"):
        params["department"] = services.department_of(post["department"], "department")
    if post.get("local"):
        params["local"] = True
    if action == "request_extension":
        params["days"] = post.get("days")
    if action == "callback":
        params.update(
            contacted=post.get("contacted") == "1",
            resolved={"1": True, "0": False}.get(post.get("resolved", "")),
            satisfaction=post.get("satisfaction", ""),
            is_valid=post.get("is_valid", "1") == "1",
        )
    if action == "merge":
        code = post.get("into", "").strip().upper()
        into = Case.objects.restrict(request.user, VIEW).filter(code=code).first() if code else None
        if code and into is None:
            raise ValidationError({"into": _("No case with this tracking code.")})
        params["into"] = into
    if action == "cancel":
        params["reason"] = post.get("reason", "")
    if action == "whistle":
        params["lead"] = services.department_of(post.get("lead"), "lead")
        params["departments"] = [services.department_of(v, "departments") for v in post.getlist("departments") if v]
    if action == "rate_department":
        params["score"] = post.get("score")
    if action == "note":
        params["public"] = post.get("public") == "1"
    return params


def _draft_key(case: Case) -> str:
    return f"cases:draft:{case.pk}"


def _keep_draft(request, case: Case, action: str) -> None:
    """What the user typed into a step that was refused, for the case page to show again (it
    redirects there with the message; the form would otherwise come back empty)."""
    post = request.POST
    request.session[_draft_key(case)] = {
        "action": action,
        "note": post.get("note", "")[:4000],
        "days": post.get("days", "")[:3],
        # A merge's tracking code, a department and a cancel's reason came back reset.
        "into": post.get("into", "")[:40],
        "department": post.get("department", "")[:12],
        "reason": post.get("reason", "")[:20],
        "lead": post.get("lead", "")[:12],
        "departments": [v[:12] for v in post.getlist("departments")[:50]],
    }


class CaseCreate(ScopedMixin, generic.FormView):
    """Hotline and staff entry."""

    model = Case
    scope_action = ADD
    form_class = forms.StaffCaseForm
    template_name = "cases/case_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        kwargs.setdefault("initial", {})["idempotency_key"] = uuid.uuid4().hex
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Hotline entry")
        return ctx

    def form_valid(self, form):
        d = form.cleaned_data
        grid = d.get("grid")
        errors = services.intake_placement_errors(
            self.request.user, grid=grid, enterprise=d.get("enterprise"), department=d.get("department")
        )
        if errors:
            for field, message in errors.items():
                form.add_error(field, message)
            return self.form_invalid(form)
        try:
            case = services.case_create(
                actor=self.request.user,
                source=Case.Source.HOTLINE if d["kind"] == Case.Kind.HOTLINE else Case.Source.STAFF,
                kind=d["kind"],
                nature=d["nature"],
                title=d.get("title", ""),
                description=d["description"],
                category=d.get("category"),
                longitude=d.get("longitude"),
                latitude=d.get("latitude"),
                address=d.get("address", ""),
                grid=grid,
                department=d.get("department"),
                enterprise=d.get("enterprise"),
                leader=d.get("leader"),
                reporter_name=d.get("reporter_name", ""),
                reporter_phone=d.get("reporter_phone", ""),
                photos=d.get("photos") or [],
                idempotency_key=d.get("idempotency_key") or None,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Case %(c)s registered.") % {"c": case.code})
        if Case.objects.restrict(self.request.user).filter(pk=case.pk).exists():
            return redirect(case.get_absolute_url())
        return redirect("cases:case_list")


class CallerHistoryView(ScopedMixin, generic.View):
    """The cases in the viewer's scope from the same phone number (htmx fragment): of the number
    being typed into the hotline form (`?reporter_phone=`), or of a case (its own number, never
    sent to the browser). Staff only; a look-up that finds cases is audited (who saw a caller's
    history, under the masked number)."""

    model = Case
    permission_required = "cases.change_case"  # staff roles; a resident has only their own cases

    def get(self, request, pk=None):
        case = None
        if pk is not None:
            case = get_object_or_404(Case.objects.restrict(request.user), pk=pk)
        history = selectors.caller_history(request.user, phone=request.GET.get("reporter_phone", "")[:40], case=case)
        if history.count:
            core_services.audit_log(
                actor=request.user,
                action=AuditEvent.Action.VIEW_PERSONAL,
                obj=case,
                model=Case,
                note=f"caller history {mask_phone(history.key)}: {history.count}",
            )
        return render(request, "cases/includes/caller_history.html", {"history": history, "case": case})


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


# The rates as the page and its export show them: (key, heading, numerator, denominator). A
# numerator of None has no counts (the composite is a weighted sum, not a share of cases).
RATE_COLUMNS = [
    ("response", gettext_lazy("response rate"), "contacted", "valid"),
    ("resolution", gettext_lazy("resolution rate"), "resolved", "valid"),
    ("satisfaction", gettext_lazy("satisfaction rate"), "satisfaction_points", "valid"),
    ("composite", gettext_lazy("composite"), None, None),
    ("on_time_sign", gettext_lazy("on-time sign-for"), "signed_on_time", "signed"),
    ("return_rate", gettext_lazy("return rate"), "returned", "dispatched"),
    ("rework_rate", gettext_lazy("rework rate"), "reworked", "replied"),
    ("on_time_completion", gettext_lazy("on-time completion"), "completed_on_time", "completed_counted"),
]
# The counts the export gives before each rate (the denominator of the three rates, the valid
# call-backs, is a column of its own), so a spreadsheet can check or recompute them.
EXPORT_COUNTS = {
    "response": [(gettext_lazy("contacted"), "contacted")],
    "resolution": [(gettext_lazy("resolved"), "resolved")],
    "satisfaction": [(gettext_lazy("satisfied"), "satisfied"), (gettext_lazy("basically satisfied"), "basic")],
    "on_time_sign": [(gettext_lazy("signed for"), "signed"), (gettext_lazy("signed for on time"), "signed_on_time")],
    "return_rate": [(gettext_lazy("dispatched"), "dispatched"), (gettext_lazy("cases returned"), "returned")],
    "rework_rate": [(gettext_lazy("replied"), "replied"), (gettext_lazy("cases reworked"), "reworked")],
    "on_time_completion": [
        (gettext_lazy("replied (suspended cases excluded)"), "completed_counted"),
        (gettext_lazy("replied by the deadline"), "completed_on_time"),
    ],
}
PERCENT_FORMAT = "0.0%"  # the export's rate cells: a fraction Excel computes with, shown as the page shows it


def percent(value: float | None) -> Decimal | None:
    """A rate (a fraction) as the page shows it: a percentage with one decimal, rounded half up
    as Excel shows the export's "0.0%" cells (81.25 % is 81.3 % in both, not 81.2 %)."""
    if value is None:
        return None
    return Decimal(repr(value)).scaleb(2).quantize(Decimal("0.1"), ROUND_HALF_UP)


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{percent(value)}%"


def _count_text(value: float | int) -> str:
    # The weighted satisfaction count (satisfied + 0.9 × basically satisfied) may have decimals.
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _figures(get, weight: float) -> dict:
    """The counts of one row (a RateRow or the overall dict, read by `get`) and the weighted
    satisfaction count."""
    return {"satisfaction_points": get("satisfied") + weight * get("basic")} | {
        name: get(name)
        for name in (
            "valid contacted resolved satisfied basic signed signed_on_time dispatched returned replied reworked "
            "completed_counted completed_on_time"
        ).split()
    }


def rate_cells(get, weight: float) -> list[dict]:
    """The page's cells for one row: each rate as a percentage and the counts it is made of."""
    figures = _figures(get, weight)
    cells = []
    for key, heading, num, den in RATE_COLUMNS:
        value = get(key)
        counts = f"{_count_text(figures[num])}/{figures[den]}" if num and value is not None else ""
        cells.append({"key": key, "heading": heading, "value": value, "text": percent_text(value), "counts": counts})
    return cells


class RatesView(ScopedMixin, generic.TemplateView):
    """Three rates and process rates by grid / community / department / category / month."""

    model = Case
    permission_required = "cases.view_rates"
    template_name = "cases/rates.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def rows(self):
        dim = self.request.GET.get("by", "community")
        if dim not in selectors.DIMENSIONS:
            dim = "community"
        qs = self.get_queryset()
        year = year_param(self.request.GET.get("year", ""))
        if year:
            qs = qs.filter(received_at__year=year)
        return dim, year, qs, selectors.rates_by(qs, dim)

    def export(self):
        """The rates as fractions in cells formatted as percentages (Excel computes with them and
        shows the page's figures), each beside the counts it is made of."""
        dim, year, _qs, rows = self.rows()
        dimension = str(selectors.DIMENSIONS[dim][1])
        headers = [dimension, pgettext("case", "rank"), _("cases"), _("valid call-backs")]
        columns = []  # (kind, name): kind "rate" or "count"
        for key, heading, _num, _den in RATE_COLUMNS:
            for count_heading, name in EXPORT_COUNTS.get(key, []):
                headers.append(str(count_heading))
                columns.append(("count", name))
            headers.append(str(heading))
            columns.append(("rate", key))
        formats = {i + 4: PERCENT_FORMAT for i, (kind, _name) in enumerate(columns) if kind == "rate"}
        data = ([r.label, r.rank or "", r.total, r.valid] + [getattr(r, name) for _kind, name in columns] for r in rows)
        # Named by what it holds: several exports (by grid, by month, one year) stay apart.
        filename = "-".join([_("three-rates"), dimension, *([str(year)] if year else [])])
        return xlsx_response(headers, data, filename=filename, number_formats=formats)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        dim, _year, qs, rows = self.rows()
        ctx["constants"] = selectors.constants()
        weight = ctx["constants"]["basic_satisfied_weight"]
        ctx["dimension"] = dim
        ctx["dimensions"] = [(k, v[1]) for k, v in selectors.DIMENSIONS.items()]
        ctx["rows"] = [(r, rate_cells(lambda name, r=r: getattr(r, name), weight)) for r in rows]
        ctx["overall"] = selectors.overall(qs)
        ctx["overall_cells"] = {c["key"]: c for c in rate_cells(ctx["overall"].__getitem__, weight)}
        ctx["year"] = self.request.GET.get("year", "")
        ctx["years"] = [d.year for d in Case.objects.restrict(self.request.user).dates("received_at", "year")]
        ctx["dimension_label"] = selectors.DIMENSIONS[dim][1]
        # The chart compares units: the cases of no unit ("(none)") stay in the table only.
        rows = [r for r in rows if r.key is not None]

        def series(key):
            return [None if (p := percent(getattr(r, key))) is None else float(p) for r in rows]

        ctx["chart"] = {
            "labels": [r.label for r in rows],
            "response": series("response"),
            "resolution": series("resolution"),
            "satisfaction": series("satisfaction"),
            "composite": series("composite"),
        }
        ctx["export_query"] = self.request.GET.copy()
        ctx["export_query"]["export"] = "xlsx"
        ctx["export_query"] = ctx["export_query"].urlencode()
        return ctx


class AttachmentView(ScopedFileView):
    """A case's attachment, to staff in scope."""

    model = CaseAttachment
    content_type_field = "content_type"
    missing = gettext_lazy("The file of this attachment is missing.")


# ----------------------------------------------------------------------------- categories & rules


class CategoryList(ObjectListView):
    model = Category
    filterset_class = filtersets.CategoryFilterSet
    search_fields = ("name", "code", "keywords")
    columns = [
        Column("code", gettext_lazy("code")),
        Column(str, gettext_lazy("name"), link=True),
        Column("default_department", gettext_lazy("default department")),
        Column("deadline_workdays", gettext_lazy("deadline (working days)")),
        Column("deadline_workhours", gettext_lazy("deadline (working hours)")),
        Column("priority", gettext_lazy("priority")),
        Column("is_active", gettext_lazy("active")),
    ]

    def get_base_queryset(self):
        return Category.objects.select_related("parent", "default_department").order_by(
            "parent__sort_order", "parent__code", "sort_order", "code"
        )


class CategoryDetail(ObjectDetailView):
    model = Category


class CategoryCreate(ObjectCreateView):
    model = Category
    form_class = forms.CategoryForm


class CategoryUpdate(ObjectUpdateView):
    model = Category
    form_class = forms.CategoryForm


class CategoryDelete(ObjectDeleteView):
    model = Category


class KeywordRuleList(ObjectListView):
    model = KeywordRule
    search_fields = ("name", "keywords")
    columns = [
        Column("name", gettext_lazy("name"), link=True),
        Column("keywords", gettext_lazy("keywords")),
        Column("department", gettext_lazy("department")),
        Column("category", gettext_lazy("category")),
        Column("priority", gettext_lazy("rule priority")),
        Column("is_active", gettext_lazy("active")),
    ]

    def get_base_queryset(self):
        return KeywordRule.objects.select_related("department", "category")


class KeywordRuleDetail(ObjectDetailView):
    model = KeywordRule


class KeywordRuleCreate(ObjectCreateView):
    model = KeywordRule
    form_class = forms.KeywordRuleForm

    def form_valid(self, form):
        response = super().form_valid(form)
        router.clear_caches()
        return response


class KeywordRuleUpdate(ObjectUpdateView):
    model = KeywordRule
    form_class = forms.KeywordRuleForm

    def form_valid(self, form):
        response = super().form_valid(form)
        router.clear_caches()
        return response


class KeywordRuleDelete(ObjectDeleteView):
    model = KeywordRule


class RoutingModelsView(ScopedMixin, generic.TemplateView):
    """Trained routing models: the active ones with their accuracy per class on the held-out
    fifth, the history, and retraining now (the nightly job, put on the queue by hand)."""

    model = Case
    permission_required = "cases.change_keywordrule"
    template_name = "cases/routing_models.html"

    def post(self, request, *args, **kwargs):
        if enqueue_job_now(training.TRAIN_JOB):
            messages.success(
                request, _("Retraining has started in the background: the new models appear here in a few minutes.")
            )
        else:
            messages.info(request, _("Retraining is already under way."))
        return redirect(request.path)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["models"] = RoutingModel.objects.defer("data")[:20]
        names = {
            RoutingModel.Target.DEPARTMENT: dict(Department.objects.values_list("code", "name")),
            RoutingModel.Target.CATEGORY: {c.code: str(c) for c in Category.all_objects.select_related("parent")},
        }
        ctx["active"] = [
            (
                m,
                sorted(
                    (
                        (names[m.target].get(code, code), figures)
                        for code, figures in m.metrics.get("per_class", {}).items()
                    ),
                    key=lambda pair: pair[0],
                ),
            )
            for m in RoutingModel.objects.defer("data").filter(is_active=True).order_by("target")
        ]
        ctx["retraining"] = job_under_way(training.TRAIN_JOB)
        return ctx


# ----------------------------------------------------------------------------- public pages


def _public_case(code: str) -> Case:
    case = selectors.case_by_code(code)
    if case is None:
        raise Http404(_("No case with this tracking code."))
    return case


class PublicSubmitView(generic.FormView):
    scope_exempt = "Public intake form: anyone may submit; nothing about other cases is shown."
    form_class = forms.PublicCaseForm
    template_name = "cases/public_submit.html"

    def get_initial(self):
        return {"idempotency_key": uuid.uuid4().hex}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        from shanzhi.orgs.models import Community

        bounds = [c.boundary for c in Community.objects.exclude(boundary__isnull=True).only("boundary")]
        ctx["communities_geojson"] = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": b, "properties": {"name": str(i)}} for i, b in enumerate(bounds)
            ],
        }
        return ctx

    def form_valid(self, form):
        d = form.cleaned_data
        user = self.request.user if self.request.user.is_authenticated else None
        try:
            case = services.case_create(
                actor=user,
                source=Case.Source.WEB,
                description=d["description"],
                category=d.get("category"),
                longitude=d.get("longitude"),
                latitude=d.get("latitude"),
                address=d.get("address", ""),
                reporter_name=d.get("reporter_name", ""),
                reporter_phone=d.get("reporter_phone", ""),
                photos=d.get("photos") or [],
                idempotency_key=d.get("idempotency_key") or None,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        return HttpResponseRedirect(reverse("cases:public_case", args=[case.code]) + "?new=1")


class PublicSuggestView(generic.View):
    scope_exempt = "Suggests a category for a text typed on the public form; reads no case."

    def get(self, request):
        text = request.GET.get("text", "")[:2000]
        model = router.classifier(RoutingModel.Target.CATEGORY)
        if not text.strip() or model is None:
            return JsonResponse({"suggestions": []})
        pred = model.predict(text)
        codes = [label for label, _p in pred.alternatives]
        cats = {c.code: c for c in Category.objects.filter(OFFERED_CATEGORIES, code__in=codes).select_related("parent")}
        return JsonResponse(
            {
                "suggestions": [
                    {"id": cats[code].pk, "name": str(cats[code]), "confidence": round(p, 3)}
                    for code, p in pred.alternatives
                    if code in cats
                ]
            }
        )


class PublicTrackView(generic.FormView):
    scope_exempt = "Asks for a tracking code; shows nothing by itself."
    form_class = forms.TrackForm
    template_name = "cases/public_track.html"

    def get(self, request, *args, **kwargs):
        """The form asks by GET, so `/cases/track/?code=…` (a link, a bookmark) finds the case."""
        if "code" not in request.GET:
            return super().get(request, *args, **kwargs)
        form = self.form_class(request.GET)
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def form_valid(self, form):
        case = selectors.public_case(form.cleaned_data["code"])
        if case is None:
            form.add_error("code", _("No case with this tracking code."))
            return self.form_invalid(form)
        return redirect("cases:public_case", code=case.code)


class PublicCaseView(generic.TemplateView):
    scope_exempt = "Public status and timeline of one case by its unguessable code; no names, phones or notes."
    template_name = "cases/public_case.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = selectors.public_case(kwargs["code"])
        if case is None:
            raise Http404(_("No case with this tracking code."))
        ctx["case"] = case
        ctx["events"] = [(ev, workflow.action_label(ev.action)) for ev in selectors.public_events(case)]
        ctx["can_rate"] = case.status in HANDLED_STATES and case.rated_at is None
        ctx["rate_form"] = kwargs.get("rate_form") or forms.RateForm()
        ctx["new"] = self.request.GET.get("new") == "1"
        return ctx


class PublicRateView(generic.View):
    scope_exempt = "The reporter rates the result with the tracking code; once only."
    http_method_names = ["get", "post"]

    def get(self, request, code):
        # A reload of the address a refused rating was shown at: the case's page.
        return redirect("cases:public_case", code=code)

    def post(self, request, code):
        case = _public_case(code)
        form = forms.RateForm(request.POST)
        if not form.is_valid():
            view = PublicCaseView()
            view.setup(request, code=code)
            return render(
                request, PublicCaseView.template_name, view.get_context_data(code=code, rate_form=form), status=400
            )
        try:
            services.case_rate_public(
                case=case,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data.get("comment", ""),
                actor=request.user if request.user.is_authenticated else None,
            )
            messages.success(request, _("Thank you for your rating."))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        return redirect("cases:public_case", code=case.code)


class CaseImportView(ScopedMixin, generic.FormView):
    """Bulk import from .xlsx / .csv: all or nothing, the bad row reported."""

    model = Case
    scope_action = ADD
    permission_required = "cases.add_category"  # leaders and administrators
    form_class = forms.ImportForm
    template_name = "cases/import.html"

    def form_valid(self, form):
        from shanzhi.core.errors import ValidationError
        from shanzhi.core.excel import read_table

        try:
            rows = read_table(form.cleaned_data["file"], required=())
            n = services.cases_import(rows=rows, actor=self.request.user, again=form.cleaned_data["again"])
        except ValidationError as exc:  # ImportRowError, TableReadError, a file imported before
            form.add_error("file", " ".join(exc.messages))
            return self.form_invalid(form)
        messages.success(self.request, _("%(n)d cases imported.") % {"n": n})
        return redirect("cases:case_list")

    def get_context_data(self, **kwargs):
        from shanzhi.cases.bulk import import_columns
        from shanzhi.core.excel import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS

        ctx = super().get_context_data(**kwargs)
        ctx["max_rows"] = f"{MAX_IMPORT_ROWS:,}"
        ctx["max_mb"] = MAX_IMPORT_BYTES // (1024 * 1024)
        ctx["columns"] = import_columns()
        return ctx


class CaseImportTemplateView(ScopedMixin, generic.View):
    """An .xlsx to fill in for the import: its headers in the reader's language, one example row."""

    model = Case
    scope_action = ADD
    permission_required = CaseImportView.permission_required

    def get(self, request, *args, **kwargs):
        from shanzhi.cases.bulk import import_template

        headers, rows = import_template()
        return xlsx_response(headers, rows, filename=_("case import template"))
