import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from shanzhi.cases import services
from shanzhi.cases.models import Case, CaseEvent
from shanzhi.cases.tests.factories import make_case, make_categories
from shanzhi.core.errors import ConflictError

pytestmark = pytest.mark.django_db


def test_create_routes_by_location_and_category(org):
    cats = make_categories(org)
    case = services.case_create(
        actor=None,
        source="web",
        description="楼下垃圾没人收",
        category=cats["garbage"],
        longitude=113.355,
        latitude=22.515,
    )
    assert case.grid == org.grids["A1"]
    assert case.community == org.communities["A"]
    assert case.department == org.departments["urban"]
    assert case.routed_by == "category"
    assert case.status == "dispatched"  # confident: dispatched automatically
    assert case.deadline is not None and case.sign_deadline is not None
    assert list(case.events.values_list("action", flat=True)) == ["create", "dispatch"]
    assert case.code.startswith("SZ") and len(case.code) == 16


def test_outside_every_grid_goes_to_dispatch_desk(org):
    cats = make_categories(org)
    case = services.case_create(
        actor=None, source="web", description="路灯不亮", category=cats["garbage"], longitude=100.0, latitude=30.0
    )
    assert case.grid is None
    assert case.department == org.departments["dispatch"]
    assert case.status == "received"
    with translation.override("en"):
        assert "the location is outside every grid" in str(case.routing_reason)
    with translation.override("zh-hans"):
        assert "位置不在任何网格内" in str(case.routing_reason)


def test_idempotency_key_creates_one_case(org):
    a = services.case_create(actor=None, source="api", description="噪音扰民", idempotency_key="k-1")
    b = services.case_create(actor=None, source="api", description="噪音扰民", idempotency_key="k-1")
    assert a.pk == b.pk
    assert Case.objects.filter(idempotency_key="k-1").count() == 1


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"description": "  "}, "description"),
        ({"description": "x", "longitude": 200, "latitude": 22}, "longitude"),
        ({"description": "x", "longitude": 113}, "longitude"),
        ({"description": "x", "nature": "nonsense"}, "nature"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(org, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        services.case_create(actor=None, source="web", **kwargs)
    assert field in exc.value.message_dict
    assert Case.all_objects.count() == 0


def test_full_life_and_stale_conflict(org):
    case = make_case(org)
    dept = org.users["dept"]
    case = services.case_transition(case=case, action="sign", actor=dept)
    assert case.signed_on_time is True
    stale_version = case.version
    services.case_transition(case=case, action="start", actor=dept, expected_version=stale_version)
    with pytest.raises(ConflictError):
        services.case_transition(case=case, action="return", actor=dept, note="x", expected_version=stale_version)
    case.refresh_from_db()
    with pytest.raises(ValidationError):
        services.case_transition(case=case, action="reply", actor=dept)  # a reply needs the text
    case = services.case_transition(case=case, action="reply", actor=dept, note="已清理")
    assert case.status == "replied" and case.completed_on_time is True
    with pytest.raises(PermissionDenied):
        services.case_transition(case=case, action="verify", actor=dept)  # the handler does not verify itself
    case = services.case_transition(case=case, action="verify", actor=org.users["community"])
    case = services.case_callback(
        case=case, actor=org.users["community"], contacted=True, resolved=False, satisfaction="unsatisfied"
    )
    case = services.case_transition(case=case, action="reopen", actor=org.users["community"], note="群众不满意")
    assert case.status == "dispatched" and case.reopen_count == 1
    assert CaseEvent.objects.filter(case=case).count() >= 8


def test_out_of_scope_user_cannot_act(org):
    case = make_case(org)
    with pytest.raises(PermissionDenied):
        services.case_transition(case=case, action="sign", actor=org.others["dept"])
    with pytest.raises(PermissionDenied):
        services.case_transition(case=case, action="cancel", actor=org.others["community"], note="无效")
