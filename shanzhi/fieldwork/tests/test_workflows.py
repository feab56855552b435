import pytest
from django.core.exceptions import ValidationError

from shanzhi.fieldwork import workflows


def test_every_table_entry_leads_to_a_known_state():
    for table, states in [
        (workflows.WISH, workflows.W.values),
        (workflows.DISPUTE, workflows.D.values),
        (workflows.PATROL, workflows.P.values),
        (workflows.FINDING, workflows.F.values),
        (workflows.INCIDENT, workflows.I.values),
    ]:
        for (src, _action), (dst, _perm) in table.items():
            assert src in states and dst in states


def test_refused_step_says_why():
    with pytest.raises(ValidationError) as exc:
        workflows.next_state(workflows.PATROL, "ended", "end", label="patrol")
    assert "Ended" in str(exc.value) or "已结束" in str(exc.value)


def test_closed_incident_allows_nothing():
    assert workflows.allowed_actions(workflows.INCIDENT, "closed") == []


def test_wish_claim_only_from_published():
    assert [s for (s, a) in workflows.WISH if a == "claim"] == ["published"]
