"""The published ranking as a print-ready notice (量化考核结果公示, 一学年一公开): a PDF/A-3b whose text
lists the names in rank order, that carries the ranking document it prints (ranking.json) and its
SHA-256, and names the proposals made from it; and the assessment forms citing the period's score
and pairing work."""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import json
import logging
import re
import subprocess

import pytest
from cultivation_support import entries_000, entries_004, generated_class_000, generated_class_004
from pypdf import PdfReader

from checklists.schemes import load_scheme
from documents.notice import ATTACHMENT, NoticeMismatch, canonical, render_ranking_notice
from workflow.cultivation.document import ranking_document
from workflow.cultivation.periods import period_named
from workflow.cultivation.scoring import quota_for, rank, score_group, select_top

D = dt.date.fromisoformat
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章"
RARE = {"S01": "欧阳喆堃", "S02": "林珺玥"}  # the two sharing first place: rare characters must print


def name_of(person: str) -> str:
    return RARE.get(person) or f"{SURNAMES[int(person[1:]) - 1]}同学{person[1:]}"


def ranking_of(scheme_id: str, label: str, entries) -> tuple:
    scheme = load_scheme(scheme_id)
    named = [e.model_copy(update={"name": name_of(e.person)}) for e in entries]
    period = period_named(scheme, label)
    rows = rank(scheme, score_group(scheme, named, period))
    quota = quota_for(scheme, 40)
    return scheme, ranking_document(scheme, period, rows, quota, select_top(rows, quota))


@pytest.fixture(scope="module")
def seed000():
    return ranking_of("seed000", "2025-2026-1", entries_000(generated_class_000()))


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages))


def render_capturing(scheme, document, **known):
    messages: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    handler = Capture(logging.WARNING)
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        rendered = render_ranking_notice(scheme, document, **known)
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    assert not [m for m in messages if ".notdef" in m]
    return rendered


def test_the_notice_lists_the_names_in_rank_order_and_carries_the_ranking(seed000, tmp_path):
    scheme, document = seed000
    first, second = document["selection"]["proposed"][:2]
    proposals = [{"person": first, "position": 1, "proposed_on": D("2026-03-11")},
                 {"person": second, "position": 1, "proposed_on": D("2026-03-11")}]
    rendered = render_capturing(scheme, document, organisation="公共卫生学院学生第一党支部",
                                published_on=D("2026-03-10"), published_by="李书记", ranking_id=7, proposals=proposals)
    text = text_of(rendered.pdf)
    ranked = [r for r in document["ranking"] if r["position"] is not None]
    places = [text.index(name_of(r["person"])) for r in ranked]
    assert places == sorted(places), "the names are printed in rank order"
    assert "欧阳喆堃" in text and "林珺玥" in text and "公共卫生学院学生第一党支部" in text
    assert "量化考核结果公示" in text and "2025-2026-1" in text and "本次发展名额8人" in text
    assert "学业情况（20%）" in text and "（60%）" in text  # the scheme's weights, from its data
    assert "据本排名推荐的发展对象人选" in text and "欧阳喆堃（第1名，2026年3月11日推荐）" in text
    apart = [r for r in document["ranking"] if r["position"] is None]
    assert apart and all(name_of(r["person"]) in text.split("不参加排名")[1] for r in apart)
    digest = hashlib.sha256(canonical(document).encode()).hexdigest()
    assert rendered.sha256 == digest and digest in text  # the printed hash leads to the stored ranking
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert json.loads(reader.attachments[ATTACHMENT][0]) == document
    assert rendered.pages == len(reader.pages) >= 2
    path = tmp_path / "notice.pdf"
    path.write_bytes(rendered.pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) == rendered.pages


def test_a_ranking_that_no_longer_matches_its_stored_hash_is_not_printed(seed000):
    scheme, document = seed000
    altered = copy.deepcopy(document)
    altered["ranking"][0], altered["ranking"][1] = altered["ranking"][1], altered["ranking"][0]
    with pytest.raises(NoticeMismatch) as caught:
        render_ranking_notice(scheme, altered, sha256=hashlib.sha256(canonical(document).encode()).hexdigest())
    assert caught.value.code == "RANKING_ALTERED"


def test_a_five_dimension_scheme_prints_landscape_with_every_dimension():
    scheme, document = ranking_of("seed004", "2025-2026", entries_004(generated_class_004()))
    rendered = render_ranking_notice(scheme, document)
    page = PdfReader(io.BytesIO(rendered.pdf)).pages[0]
    assert page.mediabox.width > page.mediabox.height
    text = text_of(rendered.pdf)
    assert all(f"{d.name}（{d.weight:g}%）" in text for d in scheme.dimensions)
    assert "据本排名推荐" not in text  # no proposals known: nothing said about them


def test_fazhan_cultivation_notice_prints_a_sheet_and_refuses_without_one(tmp_path):
    from typer.testing import CliRunner

    from api.cli import app

    entries = [e.model_copy(update={"name": name_of(e.person)}).model_dump(mode="json", exclude_none=True)
               for e in entries_000(generated_class_000())]
    sheet = tmp_path / "class.json"
    sheet.write_text(json.dumps({"format": "scores/1", "scheme": "seed000", "group_size": 40, "entries": entries},
                                ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "notice.pdf"
    result = CliRunner().invoke(app, ["cultivation", "notice", str(sheet), "--period", "2025-2026-1", "--out", str(out),
                                      "--organisation", "学生第一党支部", "--date", "2026-03-10"])
    assert result.exit_code == 0, result.output
    text = text_of(out.read_bytes())
    assert "学生第一党支部" in text and "2026年3月10日" in text and "欧阳喆堃" in text
    refused = CliRunner().invoke(app, ["cultivation", "notice", "--out", str(tmp_path / "x.pdf")])
    assert refused.exit_code == 2 and "VALUE_INVALID" in refused.output and not (tmp_path / "x.pdf").exists()
    bad_day = CliRunner().invoke(app, ["cultivation", "notice", str(sheet), "--period", "2025-2026-1",
                                       "--out", str(tmp_path / "y.pdf"), "--date", "2026-02-30"])
    assert bad_day.exit_code == 2 and "DATE_INVALID" in bad_day.output and not (tmp_path / "y.pdf").exists()


# ---------------------------------------------------------------- the assessment forms cite score and pairing

def test_the_assessment_forms_print_the_cited_score_and_pairing_work():
    from documents.forms import render_form
    from tests_support import load_case
    from workflow.dossier import parse_dossier

    data = copy.deepcopy(load_case("01_valid_2014_full_record")["dossier"])
    pairing = {"from": "2021-02-08", "to": "2021-08-01", "contacts": ["赵六", "钱七"], "talks": 2, "help": 1,
               "activities": [{"date": "2021-03-01", "kind": "谈心谈话", "member": "赵六"},
                              {"date": "2021-05-10", "kind": "帮扶", "member": "钱七"},
                              {"date": "2021-07-02", "kind": "谈心谈话", "member": "钱七"}], "not_listed": 0}
    score = {"score_id": 3, "scheme": "seed000", "period": "2020-2021-2", "total": "91.50", "grade": "优秀",
             "reviewed_by": "王组织员"}
    first = next(a for a in data["assessments"] if a["period"] == "activist")
    first.update(pairing=pairing, score=score)
    probation = next(a for a in data["assessments"] if a["period"] == "probation")
    probation["pairing"] = {**pairing, "from": "2022-05-06", "to": probation["date"], "talks": 4, "help": 0,
                            "activities": pairing["activities"][:1], "not_listed": 3}
    dossier = parse_dossier(data)
    activist = text_of(render_form(dossier, "activist_assessment").pdf)
    assert "量化考核：2020-2021-2总分91.50，等次“优秀”（王组织员审核）" in activist
    assert "结对（2021-02-08至2021-08-01）：培养联系人赵六、钱七；谈心谈话2次，帮扶1次" in activist
    assert "2021-05-10钱七帮扶" in activist
    on_probation = text_of(render_form(dossier, "probation_assessment").pdf)
    assert "谈心谈话4次，帮扶0次" in on_probation and "另3次未列出" in on_probation
    # a dossier whose assessments cite nothing prints as before, and odd imported values never break a form
    data["assessments"][0]["score"] = "A+"
    assert "量化考核" not in text_of(render_form(parse_dossier(data), "activist_assessment").pdf).split("结对")[0]
