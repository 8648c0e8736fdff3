"""The time an assessment looks back over for the pairing work it cites: from the period's anchor step
(s03 for an activist, the admission meeting for a probationary member: read from the rule data) or
the day after the previous assessment of the same kind, to the assessment's day."""
from __future__ import annotations

import copy
import datetime as dt

import pytest
from tests_support import cut_after, load_case

from workflow.cultivation.pairing import assessment_window
from workflow.dossier import parse_dossier
from workflow.errors import InputError

D = dt.date.fromisoformat


def test_the_window_runs_from_the_anchor_or_the_previous_assessment():
    dossier = parse_dossier(load_case("01_valid_2014_full_record")["dossier"])
    # s03 on 2021-02-08; activist assessments on 2021-08-06 and 2022-02-03; s15 on 2022-05-06;
    # probation assessments on 2022-11-05 and 2023-04-26
    assert assessment_window(dossier, "activist", D("2021-08-06")) == (D("2021-02-08"), D("2021-08-06"))
    assert assessment_window(dossier, "activist", D("2022-02-03")) == (D("2021-08-07"), D("2022-02-03"))
    assert assessment_window(dossier, "probation", D("2022-11-05")) == (D("2022-05-06"), D("2022-11-05"))
    assert assessment_window(dossier, "probation", D("2023-04-26")) == (D("2022-11-06"), D("2023-04-26"))


def test_no_anchor_yet_or_an_unknown_kind_is_refused():
    data = copy.deepcopy(load_case("01_valid_2014_full_record")["dossier"])
    cut_after(data, "s02_applicant_talk")
    data["assessments"] = []
    with pytest.raises(InputError) as caught:
        assessment_window(parse_dossier(data), "activist", D("2020-10-01"))
    assert caught.value.code == "ASSESSMENT_TOO_EARLY" and "确定入党积极分子" in caught.value.message
    with pytest.raises(InputError) as caught:
        assessment_window(parse_dossier(data), "yearly", D("2020-10-01"))
    assert caught.value.code == "VALUE_INVALID"
