"""Assessment schemes as data: both seed schemes load; an inconsistent scheme is refused at load,
naming the scheme file, the path, the field and the values."""
from __future__ import annotations

import copy
import tomllib

import pytest

from checklists.errors import ChecklistError
from checklists.schemes import SCHEME_DIR, load_scheme, parse_scheme, scheme_ids


def raw(scheme_id: str) -> dict:
    with (SCHEME_DIR / f"{scheme_id}.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_both_seed_schemes_load_with_the_papers_weights():
    assert {"seed000", "seed004"} <= set(scheme_ids())
    s000 = load_scheme("seed000")
    assert [(d.name, d.weight) for d in s000.dimensions] == [
        ("学业情况", 20), ("《入党积极分子成长手册》完成情况", 60), ("班级民主评议", 20)]
    assert (s000.period.unit, s000.period.publish) == ("semester", "year")  # 一学期一评、一学年一公开
    s004 = load_scheme("seed004")
    assert [(d.name, d.weight) for d in s004.dimensions] == [
        ("政治素养", 25), ("专业学习", 20), ("志愿服务", 20), ("民主评议", 20), ("日常行为", 15)]
    assert {(d.scale.min, d.scale.max) for d in s004.dimensions} == {(0, 5)}  # 各一级指标按 5 分考核


def test_a_broken_copy_whose_weights_do_not_sum_to_100_is_refused_with_the_exact_message(tmp_path):
    text = (SCHEME_DIR / "seed000.toml").read_text(encoding="utf-8")
    broken = text.replace('id = "handbook"\nname = "《入党积极分子成长手册》完成情况"\nweight = 60',
                          'id = "handbook"\nname = "《入党积极分子成长手册》完成情况"\nweight = 55')
    assert broken != text
    path = tmp_path / "broken.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_scheme(path)
    error = caught.value
    assert error.code == "SCHEME_WEIGHTS"
    assert error.file == str(path) and error.path == "dimensions" and error.field == "weight"
    assert error.message == ("考核方案 seed000 的 dimensions：各维度权重合计为 95，应为 100"
                             "（学业情况 20、《入党积极分子成长手册》完成情况 55、班级民主评议 20）")
    assert str(error).startswith(f"[SCHEME_WEIGHTS] {path}:dimensions: ")


def _mutated(scheme_id: str, change) -> dict:
    data = copy.deepcopy(raw(scheme_id))
    change(data)
    return data


def _refusal(data: dict) -> ChecklistError:
    with pytest.raises(ChecklistError) as caught:
        parse_scheme(data, "mine.toml")
    assert caught.value.file == "mine.toml"
    return caught.value


def _set(path, value):
    def change(data):
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return change


@pytest.mark.parametrize("scheme_id, change, code, path, field, words", [
    ("seed004", _set(("dimensions", 1, "indicators", 0, "weight"), 50), "SCHEME_WEIGHTS",
     "dimensions[1].indicators", "weight", ["专业学习", "合计为 90", "学业成绩排名 50、学科竞赛 20、技能证书、荣誉证书 20"]),
    ("seed000", _set(("dimensions", 0, "indicators", 3, "weight"), 5), "SCHEME_WEIGHTS",
     "dimensions[0].indicators[3].weight", "weight", ["不及格课程门数", "不应填写权重", "5"]),
    ("seed000", _set(("dimensions", 0, "indicators", 1, "weight"), None), "SCHEME_WEIGHTS",
     "dimensions[0].indicators[1].weight", "weight", ["四六级成绩", "未填"]),
    ("seed004", _set(("dimensions", 0, "scale"), {"min": 5, "max": 0}), "SCHEME_SCALE",
     "dimensions[0].scale", "scale", ["政治素养", "5–0"]),
    ("seed000", _set(("dimensions", 0, "indicators", 0, "transform", "bands", 0, "points"), 120), "SCHEME_SCALE",
     "dimensions[0].indicators[0].transform", "points", ["学业成绩排名", "120", "0–100"]),
    ("seed000", _set(("dimensions", 0, "indicators", 0, "transform", "bands", 4, "up_to"), 90), "SCHEME_TRANSFORM",
     "dimensions[0].indicators[0].transform.bands", "up_to", ["应到 100%", "90"]),
    ("seed004", _set(("dimensions", 0, "indicators", 1, "transform", "bands", 1, "at_least"), 95), "SCHEME_TRANSFORM",
     "dimensions[0].indicators[1].transform.bands[1]", "at_least", ["从高到低", "90 之后是 95"]),
    ("seed000", _set(("dimensions", 2, "indicators", 0, "transform", "approving"), ["优秀", "良"]), "SCHEME_TRANSFORM",
     "dimensions[2].indicators[0].transform.approving", "approving", ["良"]),
    ("seed000", _set(("dimensions", 2, "indicators", 0, "transform", "quorum"), "3/2"), "SCHEME_TRANSFORM",
     "dimensions[2].indicators[0].transform.quorum", "quorum", ["3/2"]),
    ("seed004", _set(("dimensions", 3, "indicators", 3, "transform", "points"), {"优秀": 5, "合格": 4}), "SCHEME_TRANSFORM",
     "dimensions[3].indicators[3].transform.points", "points", ["每个选项都应有分值"]),
    ("seed000", _set(("dimensions", 0, "indicators", 0, "transform", "kind"), "magic"), "SCHEME_INVALID",
     "dimensions[0].indicators[0].transform", "transform", []),
    ("seed000", _set(("vetoes", 0, "indicator"), "failed_exams"), "SCHEME_VETO",
     "vetoes[0].indicator", "indicator", ["failed_exams", "不存在"]),
    ("seed000", _set(("vetoes", 1, "on"), "input"), "SCHEME_VETO", "vetoes[1].on", "on", ["班级民主评议投票"]),
    ("seed000", _set(("vetoes", 0, "grade"), "优秀"), "SCHEME_VETO", "vetoes[0].grade", "grade", ["可推荐等次"]),
    ("seed000", _set(("grades", 2, "at_least"), 85), "SCHEME_THRESHOLDS", "grades[2].at_least", "at_least",
     ["“良好” 80 之后是“合格” 85"]),
    ("seed000", _set(("grades", 3, "at_least"), 10), "SCHEME_THRESHOLDS", "grades[3].at_least", "at_least",
     ["总分下限 0", "现为 10"]),
    ("seed004", _set(("proposal", "grades"), ["卓越"]), "SCHEME_THRESHOLDS", "proposal.grades", "grades", ["卓越"]),
    ("seed004", _set(("proposal", "tie_break"), ["politics"]), "SCHEME_THRESHOLDS", "proposal.tie_break",
     "tie_break", ["politics"]),
    ("seed000", _set(("dimensions", 1, "indicators", 0, "id"), "cet"), "SCHEME_IDS",
     "dimensions[1].indicators[0].id", "id", ["cet"]),
    ("seed000", _set(("period", "starts"), ["09-01"]), "SCHEME_PERIOD", "period.starts", "starts", ["学期", "2"]),
    ("seed004", _set(("period", "starts"), ["13-01"]), "SCHEME_PERIOD", "period.starts[0]", "starts", ["13-01"]),
])
def test_an_inconsistent_scheme_is_refused_naming_path_field_and_values(scheme_id, change, code, path, field, words):
    error = _refusal(_mutated(scheme_id, change))
    assert (error.code, error.path, error.field) == (code, path, field)
    for word in words:
        assert word in error.message
    assert error.message.startswith(f"考核方案 {scheme_id} 的 {path}") or code == "SCHEME_INVALID"


def test_every_problem_is_listed_and_the_first_is_raised():
    def change(data):
        data["dimensions"][0]["weight"] = 10
        data["vetoes"][0]["indicator"] = "nope"
    error = _refusal(_mutated("seed000", change))
    assert error.code == "SCHEME_WEIGHTS"
    assert [d["code"] for d in error.details] == ["SCHEME_WEIGHTS", "SCHEME_VETO"]


def test_weights_are_summed_exactly_not_in_binary_floats():
    def thirds(data):
        for ind, weight in zip(data["dimensions"][1]["indicators"], (33.3, 33.3, 33.4, 0)):
            ind["weight"] = weight
        data["dimensions"][1]["indicators"] = data["dimensions"][1]["indicators"][:3]
    assert parse_scheme(_mutated("seed000", thirds), "thirds.toml").dimensions[1].indicators[2].weight == 33.4

    def tenths(data):
        data["dimensions"] = data["dimensions"][:1]
        data["dimensions"][0]["weight"] = 100
        data["proposal"]["tie_break"] = []
        data["vetoes"] = data["vetoes"][:1]
        data["dimensions"][0]["indicators"][0]["weight"] = 100 - 0.1 - 0.2
        data["dimensions"][0]["indicators"][1]["weight"] = 0.3  # 99.7 + 0.3, exact only in decimals
    assert parse_scheme(_mutated("seed000", tenths), "tenths.toml").dimensions[0].weight == 100


def test_an_unknown_scheme_name_lists_the_shipped_ones():
    with pytest.raises(ChecklistError) as caught:
        load_scheme("seed999")
    assert caught.value.code == "SCHEME_UNKNOWN" and "seed000" in caught.value.message
