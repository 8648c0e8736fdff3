"""A report worth looking at: the shared examples plus engine-built cases with deadlines near and past."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests_support import ROOT, example_dir, load_case

from workflow.dossier import parse_dossier
from workflow.samples import CaseSpec, build_case

AS_OF = dt.date(2026, 11, 21)
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def report_dossiers():
    dossiers = [parse_dossier(load_case(p.stem)["dossier"]) for p in sorted(example_dir().glob("*.json"))]
    specs = [CaseSpec(id="NEAR-1", applied=dt.date(2026, 11, 10), until="s01_application", name="林晓",
                      organisation="护理学院学生党支部", seed=1),
             CaseSpec(id="LATE-1", applied=dt.date(2026, 9, 1), until="s01_application", name="高远",
                      organisation="机械学院学生第一党支部", seed=2),
             CaseSpec(id="MID-1", applied=dt.date(2025, 3, 3), name="周敏", organisation="机械学院学生第一党支部",
                      seed=3)]
    return dossiers + [build_case(spec, AS_OF) for spec in specs]


@pytest.fixture(scope="session")
def report(report_dossiers):
    from documents.reports import build_report

    return build_report(report_dossiers, AS_OF)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
