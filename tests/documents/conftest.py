"""Shared fixtures for the documents tests: example dossiers, and each form rendered once."""
from __future__ import annotations

import copy
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from tests_support import example_dir
from workflow.dossier import Dossier, parse_dossier

# Every form for these; for the others the whole-record forms and the form of the faulty step.
FULL = ["01_valid_2014_full_record", "02_valid_2026_to_oath", "06_meeting_without_quorum",
        "11_extension_too_short", "12_no_volunteer_book"]
PARTIAL = {
    "03_talk_after_one_month": ["applicant_talk_record"],
    "04_development_target_too_early": ["candidate_filing", "activist_assessment"],
    "05_applied_at_seventeen": ["activist_filing"],
    "07_one_day_training": ["training_record"],
    "08_disciplined_introducer": ["introducers_register"],
    "09_publicity_three_days": ["candidate_publicity"],
    "10_meeting_long_after_pre_review": ["pre_review_request", "admission_resolution"],
}
RARE = "喆堃珺玥镕赟垚祎"


def example(stem: str) -> dict:
    return json.loads((example_dir() / f"{stem}.json").read_text(encoding="utf-8"))["dossier"]


def rare_dossier() -> dict:
    """The valid 2014 record with every person's name written in rare characters."""
    data = copy.deepcopy(example("01_valid_2014_full_record"))
    data["id"] = "rare-names"
    data["person"]["name"] = "欧阳喆堃"
    data["person"]["organisation"] = "珺玥学院镕赟垚祎党支部"
    for entry in data["steps"]:
        entry["recorded_by"] = "赵垚祎"
        entry["reviewed_by"] = "钱珺玥"
        if "by" in entry:
            entry["by"] = "孙镕赟"
        for person in entry.get("people") or []:
            person["name"] = {"赵六": "李玥", "钱七": "周喆"}[person["name"]]
    return data


def _render(args: tuple) -> tuple[str, str, bytes | dict, int]:
    from documents.forms import render_form
    from workflow.errors import FazhanError
    key, data, form_id = args
    try:
        rendered = render_form(parse_dossier(data), form_id)
    except FazhanError as exc:  # reported by the test, with its code
        return key, form_id, exc.to_dict(), 0
    return key, form_id, rendered.pdf, rendered.pages


@pytest.fixture(scope="session")
def dossiers() -> dict[str, Dossier]:
    stems = FULL + list(PARTIAL)
    out = {stem: parse_dossier(example(stem), stem) for stem in stems}
    out["rare"] = parse_dossier(rare_dossier(), "rare")
    return out


@pytest.fixture(scope="session")
def rendered(dossiers) -> dict[tuple[str, str], tuple[bytes | dict, int]]:
    """(example, form id) -> (PDF bytes or error dict, pages); every form rendered exactly once."""
    from documents.forms import applicable_forms
    jobs = []
    for key, dossier in dossiers.items():
        data = dossier.to_json_dict()
        ids = [f.id for f in applicable_forms(dossier)] if key in FULL else \
            PARTIAL.get(key, [f.id for f in applicable_forms(dossier)]) + ["full_record", "archive_catalogue"]
        jobs += [(key, data, form_id) for form_id in ids if key != "rare"]
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_render, jobs))
    return {(key, form_id): (pdf, pages) for key, form_id, pdf, pages in results}


@pytest.fixture
def tmp_dossier(tmp_path) -> Path:
    """The valid 2014 record written as a dossier/1 file in a temporary directory."""
    path = tmp_path / "in" / "dossier.json"
    path.parent.mkdir()
    path.write_text(json.dumps(example("01_valid_2014_full_record"), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def rare_data() -> dict:
    return rare_dossier()


@pytest.fixture
def rare_chars() -> str:
    return RARE


@pytest.fixture
def example_data():
    """example_data(stem) -> a fresh copy of that example's dossier/1 dict."""
    return example
