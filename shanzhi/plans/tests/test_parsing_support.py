"""Shared helpers for the plan-parser tests (no tests here; no Django needed)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DEMO_PLAN = REPO / "shanzhi" / "plans" / "demo" / "xiqu-2023-workplan.txt"


def shared_dir() -> Path:
    """../shared next to the repository, or $SHANZHI_SHARED."""
    env = os.environ.get("SHANZHI_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def corpus_file(prefix: str) -> Path:
    folder = shared_dir() / "corpus" / "plans"
    matches = sorted(folder.glob(f"{prefix}*.txt")) if folder.is_dir() else []
    if not matches:
        pytest.skip(f"corpus document {prefix}* not found in {folder} (set SHANZHI_SHARED)")
    return matches[0]


def corpus_files() -> list[Path]:
    folder = shared_dir() / "corpus" / "plans"
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


def nonws(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(autouse=True)
def _no_lockout_between_tests() -> None:
    """Shadow the project conftest's autouse fixture, which needs pytest-django's
    ``settings``: the parser is a pure library and its tests run with ``-p no:django``."""
