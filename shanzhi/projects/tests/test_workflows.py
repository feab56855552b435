import pytest

from shanzhi.projects import workflows as w


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("planning", "reserve"),
        ("reserve", "started"),
        ("reserve", "planning"),
        ("started", "production"),
        ("started", "completed"),
        ("production", "completed"),
    ],
)
def test_project_moves_allowed(a, b):
    w.check_project_move(a, b, skips=set())


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("planning", "started"),
        ("planning", "production"),
        ("reserve", "production"),
        ("completed", "started"),
        ("started", "reserve"),
        ("planning", "planning"),
        ("planning", "nonsense"),
    ],
)
def test_project_moves_refused(a, b):
    with pytest.raises(w.StageError):
        w.check_project_move(a, b, skips=set())


def test_configured_skip_allows_a_move():
    with pytest.raises(w.StageError):
        w.check_project_move("planning", "started", skips=set())
    w.check_project_move("planning", "started", skips={("planning", "started")})


def test_lead_moves_one_step_and_drop_from_any_open_stage():
    for a, b in zip(w.LEAD_ORDER, w.LEAD_ORDER[1:], strict=False):
        w.check_lead_move(a, b)
        w.check_lead_move(a, "dropped")
        with pytest.raises(w.StageError):
            w.check_lead_move(b, a)
    with pytest.raises(w.StageError):
        w.check_lead_move("lead", "signed")
    with pytest.raises(w.StageError):
        w.check_lead_move("production", "dropped")
    w.check_lead_move("dropped", "lead")


def test_parcel_moves_in_order_only():
    for a, b in zip(w.PARCEL_ORDER, w.PARCEL_ORDER[1:], strict=False):
        w.check_parcel_move(a, b)
    with pytest.raises(w.StageError):
        w.check_parcel_move("survey", "demolition")
    with pytest.raises(w.StageError):
        w.check_parcel_move("transfer", "survey")
    assert w.parcel_at_least("demolition", "signing")
    assert not w.parcel_at_least("signing", "demolition")
