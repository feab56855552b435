import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from shanzhi.cases.models import Case
from shanzhi.cockpit import rollup
from shanzhi.cockpit.tests import factories as f


@dataclass
class Known:
    today: datetime.date
    month: datetime.date
    last_month_same_year: bool
    cases: dict


@pytest.fixture
def known(org):
    """Six hand-counted cases (see test_figures.py for the counts):
    1 A1/urban, today, open, overdue             2 A1/urban, closed, satisfied
    3 A2/urban, closed, basic, unresolved        4 B1/health, closed, satisfied
    5 B1/health, open, deadline ahead            6 A1/health, last month, closed, unsatisfied"""
    now = timezone.localtime()
    today = now.date()
    month = today.replace(day=1)
    env = f.category("env", "环境保护")
    noise = f.category("env-noise", "噪声扰民", parent=env)
    roads = f.category("roads", "城乡建设")
    g, d = org.grids, org.departments
    a, b = org.communities["A"], org.communities["B"]
    first = f.at(month, 0, 5)
    c = {
        1: f.case(
            received_at=min(now, f.at(today, 0, 1)),
            community=a,
            grid=g["A1"],
            department=d["urban"],
            category=noise,
            deadline=now - datetime.timedelta(hours=1),
        ),
        2: f.case(
            received_at=first,
            community=a,
            grid=g["A1"],
            department=d["urban"],
            category=noise,
            status=Case.Status.CLOSED,
            callback="satisfied",
        ),
        3: f.case(
            received_at=first,
            community=a,
            grid=g["A2"],
            department=d["urban"],
            category=roads,
            status=Case.Status.CLOSED,
            callback="basic-unresolved",
        ),
        4: f.case(
            received_at=first,
            community=b,
            grid=g["B1"],
            department=d["health"],
            category=env,
            status=Case.Status.CLOSED,
            callback="satisfied",
        ),
        5: f.case(
            received_at=first,
            community=b,
            grid=g["B1"],
            department=d["health"],
            category=roads,
            deadline=now + datetime.timedelta(days=5),
        ),
        6: f.case(
            received_at=f.at(month - datetime.timedelta(days=1)),
            community=a,
            grid=g["A1"],
            department=d["health"],
            category=roads,
            status=Case.Status.CLOSED,
            callback="unsatisfied",
        ),
    }
    rollup.rebuild()
    return Known(today=today, month=month, last_month_same_year=month.month > 1, cases=c)
