"""Helpers for building test dossiers from the example records (imported by test modules)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT.parent / "shared" / "spec" / "examples"
BUNDLED_EXAMPLES = ROOT / "tests" / "data" / "examples"


def example_dir() -> Path:
    """The shared cases beside the checkout, or the copy kept in tests/data for a lone clone."""
    return EXAMPLES if EXAMPLES.is_dir() else BUNDLED_EXAMPLES


def load_case(stem: str) -> dict:
    return json.loads((example_dir() / f"{stem}.json").read_text(encoding="utf-8"))


AS_OF = dt.date(2026, 11, 21)


def audit_codes(data: dict, as_of: dt.date = AS_OF) -> dict[str, set[str]]:
    from workflow.audit import audit_dossier
    from workflow.dossier import parse_dossier

    result = audit_dossier(parse_dossier(data), as_of)
    out: dict[str, set[str]] = {"violation": set(), "warning": set(), "info": set()}
    for finding in result.findings:
        out[finding.severity].add(finding.code)
    return out


def all_codes(data: dict, as_of: dt.date = AS_OF) -> set[str]:
    return set().union(*audit_codes(data, as_of).values())


def step(data: dict, step_id: str, cycle: int = 0) -> dict:
    return [s for s in data["steps"] if s["step"] == step_id][cycle]


def set_date(data: dict, step_id: str, day: str) -> None:
    step(data, step_id)["date"] = day
    for material in data.get("materials") or []:
        if material["step"] == step_id:
            material["date"] = day


def shift_from(data: dict, step_id: str, day: str) -> None:
    """Moves a step to `day` and every step recorded after it in the list by the same number of days."""
    index = next(i for i, s in enumerate(data["steps"]) if s["step"] == step_id)
    delta = dt.date.fromisoformat(day) - dt.date.fromisoformat(data["steps"][index]["date"])
    moved = {}
    for entry in data["steps"][index:]:
        new = (dt.date.fromisoformat(entry["date"]) + delta).isoformat()
        moved[entry["step"]] = new
        entry["date"] = new
    for material in data.get("materials") or []:
        if material["step"] in moved:
            material["date"] = moved[material["step"]]
    for assessment in data.get("assessments", []):
        if assessment["period"] == "probation":
            assessment["date"] = (dt.date.fromisoformat(assessment["date"]) + delta).isoformat()
    if "s24_conversion_approved" in moved and step_id != "s24_conversion_approved":
        step(data, "s24_conversion_approved")["party_standing_from"] = None


def cut_after(data: dict, step_id: str) -> None:
    """Keeps the steps up to and including `step_id` (in list order) and their materials."""
    index = next(i for i, s in enumerate(data["steps"]) if s["step"] == step_id)
    data["steps"] = data["steps"][: index + 1]
    kept = {s["step"] for s in data["steps"]}
    if data.get("materials") is not None:
        data["materials"] = [m for m in data["materials"] if m["step"] in kept]


def strip_reviews(data: dict) -> None:
    for entry in data["steps"]:
        entry.pop("recorded_by", None)
        entry.pop("reviewed_by", None)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def playwright_or_skip():
    """Playwright's sync API with Debian's Chromium. Under CI a missing browser fails the run (the browser
    tests must run there); elsewhere it skips, so `make test` works on a machine without Chromium."""
    import os

    import pytest

    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"{CHROMIUM} is not installed (apt-get install chromium)"
    else:
        try:
            from playwright import sync_api
        except ImportError:
            missing = "the playwright package is not installed"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    return sync_api
