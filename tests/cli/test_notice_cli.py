"""`fazhan cultivation notice --ranking ID`: a ranking published in the store printed as its notice,
with the proposals made from it; an unknown ranking exits 2 with its code and writes nothing."""
from __future__ import annotations

import datetime as dt
import io
import re

from cultivation_support import entries_000, generated_class_000
from pypdf import PdfReader
from typer.testing import CliRunner

from api.cli import app

TODAY = dt.date(2026, 3, 10)
PASSWORD = "Lantern-Orchid-Quarry-91"


def test_a_published_ranking_prints_from_the_store(tmp_path, monkeypatch):
    from workflow.store import admin
    from workflow.service_layer import dossiers
    from workflow.store import cultivation as store
    from workflow.store.access import Actor
    from workflow.store.db import make_engine, migrate
    from workflow.store.repository import UnitOfWork

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FAZHAN_DATABASE_URL", url)
    monkeypatch.setenv("FAZHAN_CHAIN_KEY_FILE", str(tmp_path / "keys" / "chain.keys"))
    migrate(url)
    engine = make_engine(url)
    with UnitOfWork(engine) as u:
        root = admin.create_organisation(u, None, name="公共卫生学院党委", level="committee", parent_id=None)["id"]
    with UnitOfWork(engine) as u:
        boss = admin.create_user(u, None, login="zuzhi", display_name="王组织员", password=PASSWORD,
                                 grants=[(root, "admin"), (root, "reviewer")])
    committee = Actor(user_id=boss["id"], login="zuzhi", name="王组织员", grants=((root, "admin"), (root, "reviewer")))
    with UnitOfWork(engine) as u:
        branch = admin.create_organisation(u, committee, name="学生第一党支部", level="branch", parent_id=root)["id"]
    with UnitOfWork(engine) as u:
        sec = admin.create_user(u, None, login="shuji", display_name="李书记", password=PASSWORD,
                                grants=[(branch, "organiser")])
    secretary = Actor(user_id=sec["id"], login="shuji", name="李书记", grants=((branch, "organiser"),))
    people = [f"S{i:02d}" for i in range(1, 6)]
    for person in people:
        with UnitOfWork(engine) as u:
            dossiers.create_dossier(u, secretary, branch, {"name": f"学生{person}", "birth_date": "2005-03-01"},
                                    dossier_id=person)
    entries = [{k: v for k, v in e.model_dump(mode="json", exclude_none=True).items() if k not in ("scored_by", "scored_on")}
               for e in entries_000(generated_class_000()) if e.person in people]
    with UnitOfWork(engine) as u:
        store.add_entries(u, secretary, branch, "seed000", entries, today=TODAY)
    with UnitOfWork(engine) as u:
        scores = store.compute_scores(u, secretary, branch, "seed000", "2025-2026-1", today=TODAY)
    for score in scores:
        with UnitOfWork(engine) as u:
            store.review_score(u, committee, score["id"], today=TODAY)
    with UnitOfWork(engine) as u:
        ranking = store.publish_ranking(u, secretary, branch, "seed000", "2025-2026-1", group_size=10, today=TODAY)
    first = ranking["selection"]["proposed"][0]
    with UnitOfWork(engine) as u:
        store.propose(u, secretary, ranking["id"], [first], today=TODAY)
    engine.dispose()

    out = tmp_path / "notice.pdf"
    result = CliRunner().invoke(app, ["cultivation", "notice", "--ranking", str(ranking["id"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(out.read_bytes())).pages))
    assert f"学生{first}（第1名，2026年3月10日推荐）" in text and ranking["sha256"] in text and "学生第一党支部" in text
    missing = tmp_path / "missing.pdf"
    refused = CliRunner().invoke(app, ["cultivation", "notice", "--ranking", "9999", "--out", str(missing)])
    assert refused.exit_code == 2 and "RANKING_NOT_FOUND" in refused.output and not missing.exists()
