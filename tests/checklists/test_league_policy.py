"""The 推优 policy as data: the default loads; an impossible one is refused at load naming the field."""
from __future__ import annotations

import pytest

from checklists.errors import ChecklistError
from checklists.gaps import Gap
from checklists.league import LEAGUE_DIR, load_policy, read_policy_file


def test_the_default_policy_reads_as_common_practice():
    policy = load_policy("default")
    assert policy.valid_for == Gap(months=24) and policy.max_share == 20
    assert policy.has_quorum(30, 20) and not policy.has_quorum(30, 19)   # two thirds present
    assert policy.carried(30, 20, 16) and not policy.carried(30, 30, 15)  # more than half of those expected


@pytest.mark.parametrize("line, replacement, field", [
    ('quorum = "2/3"', 'quorum = "3/2"', "quorum"),
    ("max_share = 20", "max_share = 120", "max_share"),
    ('valid_for = "24 months"', 'valid_for = "two years"', "valid_for"),
    ('majority_of = "expected"', 'majority_of = "everyone"', "majority_of"),
])
def test_an_impossible_policy_is_refused_naming_the_field(tmp_path, line, replacement, field):
    text = (LEAGUE_DIR / "default.toml").read_text(encoding="utf-8")
    assert line in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(line, replacement), encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        read_policy_file(path)
    assert (caught.value.code, caught.value.field, caught.value.file) == ("LEAGUE_POLICY_INVALID", field, str(path))
