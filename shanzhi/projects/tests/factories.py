"""Builders for projects tests (real rows)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from shanzhi.projects import services
from shanzhi.projects.models import Lead, Parcel, Project, Proposal

_seq = itertools.count(1)


def make_project(
    org, *, actor=None, department="urban", community="A", kind=Project.Kind.INDUSTRIAL, **fields
) -> Project:
    """A project of department `department` (org key) in community `community` (org key)."""
    n = next(_seq)
    data = {
        "code": f"T-{n:04d}",
        "name": f"测试项目{n}",
        "kind": kind,
        "year": 2023,
        "department": org.departments[department] if department else None,
        "community": org.communities[community] if community else None,
        "total_investment": Decimal("1000"),
    }
    data.update(fields)
    return services.project_create(actor=actor or org.users["admin"], on=datetime.date(2023, 1, 2), **data)


def make_lead(org, *, actor=None, department="urban", **fields) -> Lead:
    n = next(_seq)
    data = {"company": f"测试企业{n}有限公司", "department": org.departments[department], "investment": Decimal("500")}
    data.update(fields)
    return services.lead_create(actor=actor or org.users["admin"], **data)


def make_parcel(project, *, actor, code=None, area="10", **fields) -> Parcel:
    from shanzhi.core.services import record_create

    return record_create(
        Parcel, actor=actor, project=project, code=code or f"P-{next(_seq)}", area_mu=Decimal(area), **fields
    )


def make_proposal(org, *, community="A", department="urban", **fields) -> Proposal:
    n = next(_seq)
    data = {
        "title": f"建议{n}",
        "description": "建议内容",
        "category": Proposal.Category.OTHER,
        "community": org.communities[community] if community else None,
        "department": org.departments[department] if department else None,
        "for_year": 2024,
    }
    data.update(fields)
    p = Proposal(**data)
    p.save()
    return p
