"""Open311 GeoReport v2 endpoints under /open311/v2/, plus the staff pages of Open311 requests.

The endpoints are public (no login, no session, no CSRF: third-party clients): they show only
the public fields of a case and the POST is guarded by the client's api_key. Every answer is in
the format of the URL's extension (.xml or .json); errors are the spec's list of
{code, description} with the matching HTTP status, never a 500 for bad input. The views
validate every parameter (all 400s are raised here); the write is `services.open311_request_create`.
"""

from __future__ import annotations

import datetime
import logging
import math
import re

from django.core.exceptions import BadRequest, SuspiciousOperation, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from shanzhi.cases.models import Case
from shanzhi.core.texts import strip_controls
from shanzhi.core.views import Column, ObjectDetailView, ObjectListView
from shanzhi.open311 import conf, selectors, services, wire
from shanzhi.open311.models import ServiceRequest

logger = logging.getLogger(__name__)

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-01-01T00:00:00+08:00"  # when this adapter's interface last changed
MAX_IDS = 1000
MIN_YEAR, MAX_YEAR = 1900, 9998  # dates outside cannot be shifted between time zones
ATTRIBUTE_MAX = 1000  # characters of an attribute's code or of one of its values
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
TZ_SUFFIX_AS_SPACE = re.compile(r" (\d{2}:?\d{2})$")


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]


@method_decorator(csrf_exempt, name="dispatch")
class Open311View(View):
    """Base: format from the extension, jurisdiction check, errors in the spec's format."""

    scope_exempt = (
        "Open311 GeoReport v2 public API: public fields of cases only (no names, phones or emails); "
        "POST is authenticated by the client's api_key"
    )
    root = "errors"

    def dispatch(self, request, *args, **kwargs):
        self.fmt = kwargs.pop("fmt", "xml")
        try:
            self.check_nul(request, kwargs)
            params = request.GET if request.method in ("GET", "HEAD") else request.POST
            self.check_jurisdiction(params.get("jurisdiction_id") or request.GET.get("jurisdiction_id"))
            return super().dispatch(request, *args, **kwargs)
        except Open311Error as exc:
            return wire.errors(self.fmt, exc.status, *exc.descriptions)
        except MultiPartParserError:
            return wire.errors(self.fmt, 400, _("The multipart body could not be read."))
        except (BadRequest, SuspiciousOperation) as exc:
            # Too many fields, a body over the size limit, an unknown charset: Django refuses
            # them when the parameters are read; the client still gets the spec's format.
            logger.warning("Open311 request refused: %s", exc)
            return wire.errors(self.fmt, 400, _("The request could not be read: %(e)s") % {"e": str(exc)[:200]})

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = wire.errors(self.fmt, 405, _("Method %(m)s is not allowed here.") % {"m": request.method})
        response["Allow"] = ", ".join(m.upper() for m in self._allowed_methods())
        return response

    def check_nul(self, request, kwargs: dict) -> None:
        """A NUL in the address or the query string is refused: PostgreSQL's text cannot hold
        one, so looking up a code, id or token with it was a 500. (A POST's text fields lose
        their control characters instead; its service_code is looked up NUL-safe.)"""
        if any("\x00" in v for v in kwargs.values()) or any(
            "\x00" in k or any("\x00" in v for v in request.GET.getlist(k)) for k in request.GET
        ):
            raise Open311Error(400, _("The address or its parameters contain a NUL character."))

    def check_jurisdiction(self, value: str | None) -> None:
        if value and value.strip() != conf.get("open311.jurisdiction_id"):
            raise Open311Error(404, _("Unknown jurisdiction_id: %(j)s") % {"j": value[:100]})

    def respond(self, payload, status: int = 200) -> HttpResponse:
        return wire.render(self.fmt, self.root, payload, status=status)


class DiscoveryView(Open311View):
    http_method_names = ["get", "head"]
    root = "discovery"

    def get(self, request):
        url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "xml"})).rsplit("/", 1)[0]
        return self.respond(
            {
                "changeset": CHANGESET,
                "contact": conf.get("open311.contact") or None,
                "key_service": _("Ask the sub-district office's administrator for an API key."),
                "endpoints": [
                    {
                        "specification": SPEC_URL,
                        "url": url,
                        "changeset": CHANGESET,
                        "type": "production",
                        "formats": ["text/xml", "application/json"],
                    }
                ],
            }
        )


class ServiceListView(Open311View):
    http_method_names = ["get", "head"]
    root = "services"

    def get(self, request):
        return self.respond([selectors.service_dict(c) for c in selectors.services_queryset()])


class ServiceDefinitionView(Open311View):
    http_method_names = ["get", "head"]
    root = "service_definition"

    def get(self, request, code):
        category = selectors.service_by_code(code)
        if category is None:
            raise Open311Error(404, _("Unknown service_code: %(c)s") % {"c": code[:60]})
        return self.respond(selectors.service_definition(category))


# ----------------------------------------------------------------------------- parameters


def _float(params, name: str, low: float, high: float, errors: list[str]) -> float | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        errors.append(_("%(p)s must be a number.") % {"p": name})
        return None
    if not math.isfinite(value) or not low <= value <= high:
        errors.append(_("%(p)s must be between %(lo)s and %(hi)s.") % {"p": name, "lo": low, "hi": high})
        return None
    return value


def _text(params, name: str, limit: int, errors: list[str]) -> str:
    value = strip_controls(params.get(name) or "").strip()
    if len(value) > limit:
        errors.append(_("%(p)s is longer than %(n)d characters.") % {"p": name, "n": limit})
        return ""
    return value


def _attributes(params, errors: list[str]) -> dict[str, str | list[str]]:
    """The attribute[code] values, without control characters (a NUL made the JSON column refuse
    the row on PostgreSQL: a 500), each code and value within ATTRIBUTE_MAX characters."""
    out: dict[str, str | list[str]] = {}
    for key in params:
        m = ATTRIBUTE_KEY.match(key)
        if not m:
            continue
        code = strip_controls(m.group(1))
        values = [v for v in (strip_controls(v).strip() for v in params.getlist(key)) if v]
        if not code:
            continue
        if len(code) > ATTRIBUTE_MAX or any(len(v) > ATTRIBUTE_MAX for v in values):
            errors.append(
                _("attribute[%(code)s] is longer than %(n)d characters.") % {"code": code[:60], "n": ATTRIBUTE_MAX}
            )
            continue
        if m.group(2) or len(values) > 1:
            out[code] = values
        elif values:
            out[code] = values[0]
    return out


def _datetime(params, name: str) -> datetime.datetime | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    raw = TZ_SUFFIX_AS_SPACE.sub(r"+\1", raw)  # an unescaped "+08:00" arrives as " 08:00"
    try:
        value = parse_datetime(raw)
        if value is None:
            day = parse_date(raw)
            if day is not None:
                value = datetime.datetime.combine(day, datetime.time.min)
    except ValueError:
        value = None
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise Open311Error(
            400, _("%(p)s must lie between the years %(lo)d and %(hi)d.") % {"p": name, "lo": MIN_YEAR, "hi": MAX_YEAR}
        )
    if value is None:
        raise Open311Error(400, _("%(p)s must be a W3C date-time, e.g. 2023-05-04T09:30:00+08:00.") % {"p": name})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _last_moment(value: datetime.datetime) -> datetime.datetime:
    """The end of MAX_YEAR in the zone of `value` (still a date in UTC, whatever the zone)."""
    return datetime.datetime.combine(datetime.date(MAX_YEAR, 12, 31), datetime.time.max, tzinfo=value.tzinfo)


def _split(raw: str | None) -> list[str]:
    return [p.strip() for p in (raw or "").split(",") if p.strip()]


class RequestsView(Open311View):
    """GET: the public list of requests. POST: create a request (api_key required)."""

    http_method_names = ["get", "head", "post"]
    root = "service_requests"

    def get(self, request):
        params = request.GET
        qs = selectors.public_cases()
        ids = _split(params.get("service_request_id"))
        limit = int(conf.get("open311.max_requests"))
        if ids:
            if len(ids) > MAX_IDS:
                raise Open311Error(400, _("At most %(n)d service_request_id values.") % {"n": MAX_IDS})
            # The ids override every other parameter (spec).
            qs = qs.filter(code__in=[i.upper() for i in ids])
        else:
            start = _datetime(params, "start_date")
            end = _datetime(params, "end_date")
            # The spec: the window "may not span more than 90 days"; one date given, the window
            # runs 90 days from it (or up to it); none, the last 90 days.
            days = datetime.timedelta(days=int(conf.get("open311.default_days")))
            if start is None and end is None:
                end = timezone.now()
            if start is None:
                start = end - days
            elif end is None:
                try:
                    end = start + days
                except OverflowError:  # a start late in 9998 and a long window (setting)
                    end = _last_moment(start)
            if start > end:
                raise Open311Error(400, _("start_date is after end_date."))
            if end - start > days:
                raise Open311Error(
                    400, _("start_date and end_date may not span more than %(n)d days.") % {"n": days.days}
                )
            qs = qs.filter(received_at__gte=start, received_at__lte=end)
            codes = _split(params.get("service_code"))
            if codes:
                qs = qs.filter(category__code__in=codes)
            statuses = set(_split(params.get("status")))
            if statuses - {"open", "closed"}:
                raise Open311Error(400, _("status must be open or closed."))
            if len(statuses) == 1:
                qs = selectors.with_status(qs, statuses.pop())
        return self.respond([selectors.request_dict(c) for c in qs[:limit]])

    def post(self, request):
        if request.content_type not in ("", "application/x-www-form-urlencoded", "multipart/form-data"):
            raise Open311Error(
                400,
                _("Send the request form-encoded (application/x-www-form-urlencoded) or as multipart/form-data."),
            )
        params = request.POST
        key = services.apikey_authenticate(params.get("api_key") or request.GET.get("api_key"))
        if key is None:
            raise Open311Error(403, _("Invalid or missing api_key."))
        data = self.parse(params, request.FILES)
        idem = request.headers.get("Idempotency-Key", "").strip()
        if len(idem) > 200:
            raise Open311Error(400, _("The Idempotency-Key header is longer than 200 characters."))
        if not idem.isprintable():  # a NUL made the INSERT fail on PostgreSQL (a 500)
            raise Open311Error(400, _("The Idempotency-Key may hold printable characters only."))
        try:
            record, _created = services.open311_request_create(api_key=key, data=data, idempotency_key=idem)
        except ValidationError as exc:
            raise Open311Error(400, *_messages(exc)) from None
        case = record.case
        return self.respond(
            [
                {
                    "service_request_id": case.code,
                    "service_notice": selectors.service_notice(case),
                    "account_id": record.account_id or None,
                }
            ]
        )

    def parse(self, params, files) -> services.RequestInput:
        code = (params.get("service_code") or "").strip()
        if not code:
            raise Open311Error(400, _("service_code is required."))
        category = selectors.service_by_code(code)
        if category is None:
            raise Open311Error(404, _("Unknown service_code: %(c)s") % {"c": code[:60]})
        errors: list[str] = []
        lat = _float(params, "lat", -90, 90, errors)
        lon = _float(params, "long", -180, 180, errors)
        has_lat, has_lon = bool((params.get("lat") or "").strip()), bool((params.get("long") or "").strip())
        if has_lat != has_lon:
            errors.append(_("Give both lat and long, or neither."))
        address = _text(params, "address_string", 300, errors)
        address_id = _text(params, "address_id", 100, errors)
        if not address and address_id:  # the spec's third kind of location: our own record of it
            address = f"address_id {address_id}"
        if not ((has_lat and has_lon) or address or (params.get("address_string") or "").strip()):
            errors.append(_("A location is required: lat and long, address_string or address_id."))
        description = _text(params, "description", 4000, errors) or category.name
        attributes = _attributes(params, errors)
        nature = attributes.get("nature") or None
        if nature is not None and (not isinstance(nature, str) or nature not in selectors.NATURE_KEYS):
            errors.append(
                _("attribute[nature] must be one of: %(keys)s.")
                % {"keys": ", ".join(k for k, _l in selectors.NATURE_VALUES)}
            )
        email = _text(params, "email", 254, errors)
        if email:
            try:
                EmailValidator()(email)
            except ValidationError:
                errors.append(_("email is not a valid address."))
        media_url = _text(params, "media_url", 2000, errors)
        if media_url:
            try:
                URLValidator(schemes=["http", "https"])(media_url)
                media_url = wire.uri(media_url)
            except ValidationError:
                errors.append(_("media_url must be an http or https URL."))
        data = services.RequestInput(
            category=category,
            description=description,
            latitude=lat,
            longitude=lon,
            address=address,
            nature=nature,
            attributes=attributes,
            email=email,
            first_name=_text(params, "first_name", 50, errors),
            last_name=_text(params, "last_name", 50, errors),
            phone=_text(params, "phone", 30, errors),
            device_id=_text(params, "device_id", 100, errors),
            account_id=_text(params, "account_id", 100, errors),
            media_url=media_url,
            photos=files.getlist("media"),
        )
        if errors:
            raise Open311Error(400, *errors)
        return data


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs]
    return list(exc.messages)


class RequestDetailView(Open311View):
    http_method_names = ["get", "head"]
    root = "service_requests"

    def get(self, request, request_id):
        case = selectors.public_cases().filter(code=request_id.strip().upper()).first()
        if case is None:
            raise Open311Error(404, _("No service request with id %(id)s.") % {"id": request_id[:40]})
        return self.respond([selectors.request_dict(case)])


class TokenView(Open311View):
    http_method_names = ["get", "head"]
    root = "service_requests"

    def get(self, request, token):
        record = ServiceRequest.objects.filter(token=token).select_related("case").first()
        if record is None:
            raise Open311Error(404, _("Unknown token."))
        return self.respond([{"service_request_id": record.case.code, "token": record.token}])


class NotFoundView(Open311View):
    """Anything else under /open311/: a 404 in the spec's format (JSON for .json, else XML)."""

    def dispatch(self, request, *args, **kwargs):
        rest = kwargs.get("rest", "")
        fmt = "json" if rest.endswith(".json") else "xml"
        return wire.errors(fmt, 404, _("No such Open311 endpoint. See %(url)s") % {"url": SPEC_URL})


# ----------------------------------------------------------------------------- staff pages


class ServiceRequestList(ObjectListView):
    model = ServiceRequest
    search_fields = ("case__code", "service_code", "api_key__name", "case__description")
    columns = [
        Column("case.code", gettext_lazy("tracking code"), link=True),
        Column("api_key.name", gettext_lazy("client")),
        Column("service_code", gettext_lazy("service code")),
        Column("case.get_status_display", gettext_lazy("status")),
        Column(lambda r: r.reporter_name, gettext_lazy("reporter name"), personal="name"),
        Column("phone", gettext_lazy("phone"), personal="phone"),
        Column("created_at", gettext_lazy("received at")),
    ]

    def get_base_queryset(self):
        return ServiceRequest.objects.select_related("case", "api_key")


def _attributes_text(record: ServiceRequest) -> str:
    return "; ".join(
        f"{k} = {', '.join(v) if isinstance(v, list) else v}" for k, v in sorted(record.attributes.items())
    )


class ServiceRequestDetail(ObjectDetailView):
    model = ServiceRequest
    template_name = "open311/servicerequest_detail.html"
    fields = [
        Column("case.code", gettext_lazy("tracking code")),
        Column("api_key.name", gettext_lazy("client")),
        Column("service_code", gettext_lazy("service code")),
        Column(_attributes_text, gettext_lazy("attributes")),
        Column("last_name", gettext_lazy("last name"), personal="name"),
        Column("first_name", gettext_lazy("first name"), personal="name"),
        Column("phone", gettext_lazy("phone"), personal="phone"),
        Column("email", gettext_lazy("email"), personal="phone"),
        Column("device_id", gettext_lazy("device id")),
        Column("account_id", gettext_lazy("account id")),
        Column("media_url", gettext_lazy("media URL")),
        Column("token", gettext_lazy("token")),
        Column("created_at", gettext_lazy("received at")),
    ]

    def get_base_queryset(self):
        return ServiceRequest.objects.select_related("case", "api_key")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = self.object.case
        ctx["case_url"] = (
            case.get_absolute_url() if Case.objects.filter(pk=case.pk).restrict(self.request.user).exists() else None
        )
        return ctx
