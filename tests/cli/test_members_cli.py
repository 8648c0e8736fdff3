"""`fazhan members import FILE --org ID` and `fazhan members template FILE` on a SQLite store: the roster
comes in whole or not at all, every problem printed with its row, column and code, no ID number printed."""
from __future__ import annotations

import logging

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from api.cli import app

NUMBER = "11010519491231002X"


def run(*args):
    return CliRunner().invoke(app, ["members", *args])


@pytest.fixture
def store(tmp_path, monkeypatch):
    from workflow.store import admin
    from workflow.store.db import make_engine, migrate
    from workflow.store.repository import UnitOfWork

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FAZHAN_DATABASE_URL", url)
    monkeypatch.setenv("FAZHAN_CHAIN_KEY_FILE", str(tmp_path / "keys" / "chain.keys"))
    migrate(url)
    engine = make_engine(url)
    with UnitOfWork(engine) as u:
        root = admin.create_organisation(u, None, name="党委", level="committee", parent_id=None)["id"]
    engine.dispose()
    return {"url": url, "root": root}


def _sheet(path, rows):
    book = Workbook()
    book.active.append(["姓名", "党员身份", "转正日期", "身份证号"])
    for row in rows:
        book.active.append(row)
    book.save(path)
    return str(path)


def _names(url) -> dict[str, str]:
    from sqlmodel import select

    from workflow.store.db import make_engine
    from workflow.store.repository import UnitOfWork
    from workflow.store.tables import Member

    engine = make_engine(url)
    with UnitOfWork(engine) as u:
        out = {m.name: m.status for m in u.session.exec(select(Member)).all()}
    engine.dispose()
    return out


def test_members_import_all_or_nothing(store, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    org = str(store["root"])
    bad = run("import", _sheet(tmp_path / "bad.xlsx", [["甲", "正式党员", "2015-06-01", NUMBER],
                                                        ["乙", "党员", None, "110105194912310021"]]), "--org", org)
    assert bad.exit_code == 1
    assert "[VALUE_INVALID]" in bad.output and "第 3 行“党员身份”列" in bad.output
    assert "[ID_NUMBER_INVALID]" in bad.output and "110105194912310021" not in bad.output + caplog.text
    assert _names(store["url"]) == {}
    good = run("import", _sheet(tmp_path / "good.xlsx", [["甲", "正式党员", "2015-06-01", NUMBER],
                                                          ["乙", "预备党员", None, None]]), "--org", org)
    assert good.exit_code == 0, good.output
    assert "新增 2 人" in good.output and NUMBER not in good.output + caplog.text
    assert _names(store["url"]) == {"甲": "full", "乙": "probationary"}
    missing = run("import", str(tmp_path / "good.xlsx"), "--org", "999")
    assert missing.exit_code == 2 and "[ORGANISATION_NOT_FOUND]" in missing.output


def test_members_template(tmp_path):
    from workflow.spreadsheet.roster import read_roster

    done = run("template", str(tmp_path / "名册.xlsx"))
    assert done.exit_code == 0 and read_roster(tmp_path / "名册.xlsx").rows == []
