"""Parser for official work plans (工作计划 / 政府工作报告): a pure library, no Django.

from shanzhi.plans.parsing import parse_plan, read_docx, read_text
plan = parse_plan(read_text(uploaded_bytes))
plan.to_dict()  # the JSON shape in docs/plan-import-json.md
"""

from .model import SCHEMA_VERSION, Indicator, ParsedPlan, PlanNode
from .readers import DocumentError, read_docx, read_text
from .structure import parse_plan

__all__ = [
    "SCHEMA_VERSION",
    "DocumentError",
    "Indicator",
    "ParsedPlan",
    "PlanNode",
    "parse_plan",
    "read_docx",
    "read_text",
]
