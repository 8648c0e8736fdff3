"""Migration 0004 on a database in use: SQLite rebuilds `dossier` (its ID-number constraint becomes
per tree) under the events' foreign keys, and nothing is lost either way."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from workflow.store.db import ROOT


def _config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    return config


def _insert(connection, table: str, values: dict) -> None:
    columns = {row[1] for row in connection.execute(text(f"PRAGMA table_info({table})"))}
    used = [k for k in values if k in columns]
    connection.execute(text(f"INSERT INTO {table} ({', '.join(used)}) VALUES ({', '.join(':' + k for k in used)})"),
                       {k: values[k] for k in used})


def test_0004_upgrades_and_downgrades_a_sqlite_database_holding_dossiers_and_events(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = _config(url)
    command.upgrade(config, "0003")
    engine = create_engine(url)
    with engine.begin() as c:
        for org, parent in ((1, None), (2, None)):
            _insert(c, "organisation", {"id": org, "name": f"党委{org}", "level": "committee", "parent_id": parent,
                                        "root_id": org})
        _insert(c, "dossier", {"id": "D1", "organisation_id": 1, "root_organisation_id": 1, "person_name": "张三",
                               "birth_date": "2001-02-11", "id_number": "110105200102110024", "state": "new",
                               "version": 1, "head_hash": "h", "snapshot": "{}", "created_at": "x"})
        _insert(c, "event", {"dossier_id": "D1", "seq": 1, "kind": "created", "actor": "a", "at": "x",
                             "payload": "{}", "prev_hash": "0", "hash": "h"})
    command.upgrade(config, "0004")
    with engine.begin() as c:
        assert c.execute(text("SELECT id, id_number FROM dossier")).all() == [("D1", "110105200102110024")]
        assert c.execute(text("SELECT count(*) FROM event")).scalar() == 1
        # the same person in the other tree is now the other tree's business
        _insert(c, "dossier", {"id": "D2", "organisation_id": 2, "root_organisation_id": 2, "person_name": "张三",
                               "birth_date": "2001-02-11", "id_number": "110105200102110024", "state": "new",
                               "version": 1, "head_hash": "h", "snapshot": "{}", "created_at": "x"})
        c.execute(text("DELETE FROM dossier WHERE id = 'D2'"))
    command.downgrade(config, "0003")
    with engine.begin() as c:
        assert c.execute(text("SELECT count(*) FROM event")).scalar() == 1
        assert c.execute(text("PRAGMA foreign_key_check")).all() == []
    engine.dispose()
