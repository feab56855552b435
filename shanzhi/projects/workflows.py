"""Stage tables of the projects app, in plain Python (unit-testable without a database).

A move not in a table is refused with the reason; `projects.stage_skip_allowed` (a SiteSetting
holding a list of [from, to] pairs, or the PROJECTS_STAGE_SKIP_ALLOWED Django setting) adds
moves that skip a stage where local practice allows it.
"""

from __future__ import annotations

from shanzhi.projects.conf import get_setting

# Project stages (四个一批): 谋划 → 储备 → 开工 → 投产, and 竣工 where it fits (roads,
# livelihood and renewal works complete without "production"). One step back is allowed before
# construction starts (a reserve project returns to planning).
PROJECT_MOVES: dict[str, set[str]] = {
    "planning": {"reserve"},
    "reserve": {"started", "planning"},
    "started": {"production", "completed"},
    "production": {"completed"},
    "completed": set(),
}
PROJECT_ORDER = ["planning", "reserve", "started", "production", "completed"]

# Investment leads (全生命周期): forward one step at a time; dropped from any open stage (with a
# reason); a dropped lead may be reopened as a lead.
LEAD_ORDER = [
    "lead",
    "contacted",
    "visited",
    "negotiating",
    "signed",
    "registered",
    "land_secured",
    "started",
    "production",
]
LEAD_MOVES: dict[str, set[str]] = {s: {LEAD_ORDER[i + 1], "dropped"} for i, s in enumerate(LEAD_ORDER[:-1])}
LEAD_MOVES["production"] = set()
LEAD_MOVES["dropped"] = {"lead"}

# Renewal parcels: survey → signing → relocation → demolition → land preparation → transfer.
PARCEL_ORDER = ["survey", "signing", "relocation", "demolition", "preparation", "transfer"]
PARCEL_MOVES: dict[str, set[str]] = {s: {PARCEL_ORDER[i + 1]} for i, s in enumerate(PARCEL_ORDER[:-1])}
PARCEL_MOVES["transfer"] = set()


class StageError(ValueError):
    pass


def extra_skips() -> set[tuple[str, str]]:
    raw = get_setting("projects.stage_skip_allowed", [])
    try:
        return {(str(a), str(b)) for a, b in raw}
    except (TypeError, ValueError):
        return set()


def check_project_move(current: str, target: str, *, skips: set[tuple[str, str]] | None = None) -> None:
    if target not in PROJECT_ORDER:
        raise StageError(f"Unknown stage {target!r}.")
    if target == current:
        raise StageError("The project is already at this stage.")
    if target in PROJECT_MOVES.get(current, set()):
        return
    if (current, target) in (extra_skips() if skips is None else skips):
        return
    raise StageError(f"A project cannot move from {current} to {target}: stages may not be skipped.")


def check_lead_move(current: str, target: str) -> None:
    if target not in (*LEAD_ORDER, "dropped"):
        raise StageError(f"Unknown stage {target!r}.")
    if target not in LEAD_MOVES.get(current, set()):
        raise StageError(f"A lead cannot move from {current} to {target}: move one stage at a time.")


def check_parcel_move(current: str, target: str) -> None:
    if target not in PARCEL_ORDER:
        raise StageError(f"Unknown stage {target!r}.")
    if target not in PARCEL_MOVES.get(current, set()):
        raise StageError(f"A parcel cannot move from {current} to {target}: move one stage at a time.")


def parcel_at_least(stage: str, reached: str) -> bool:
    return PARCEL_ORDER.index(stage) >= PARCEL_ORDER.index(reached)
