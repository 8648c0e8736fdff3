"""Promise 3 of issue 9: tampering is caught, including by someone with database access.

Each case edits the database the way someone with SQL access but without the chain key would,
making everything they can consistent again (plain hashes, heads, snapshots), and `verify_all`
must name it. Before the chain was keyed, cases 2 (17 events edited, hashes recomputed) and 5
(a whole dossier deleted) passed `fazhan verify`.
"""
from __future__ import annotations

import json

import pytest
from store.integrity_world import DOSSIERS, World, build, delete_dossier, events, insert_fabricated, rewrite
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from workflow.service_layer import dossiers, steps
from workflow.store import keys
from workflow.store.rotation import RotationRefused, rotate
from workflow.store.tables import Event, LedgerEntry
from workflow.store.verify import verify_all


def _rename_actor(row):
    return "某人", row.payload


def _backdate(row):
    return row.actor, row.payload.replace("2024-", "2023-")


def edit_one_event(conn, w):
    conn.execute(text("UPDATE event SET payload = REPLACE(payload, '2024-10-10', '2024-01-10') "
                      "WHERE dossier_id = 'D0' AND seq = 5"))


def edit_17_events_recompute_plain_hashes(conn, w):
    rewrite(conn, "D0", _backdate)
    rewrite(conn, "D1", _rename_actor)
    first_three = {1, 2, 3}
    rewrite(conn, "D2", lambda row: _rename_actor(row) if row.seq in first_three else (row.actor, row.payload))


def strip_the_keys_and_recompute_plain_hashes(conn, w):
    rewrite(conn, "D1", _backdate, strip_key=True)


def forge_seals_with_own_key(conn, w, tmp_path):
    rewrite(conn, "D1", _backdate, forge_ring=keys.create(tmp_path / "attacker.keys"))


def truncate_history(conn, w):
    rewrite(conn, "D1", keep=4)  # the thought reports vanish; what is left is consistent


def truncate_and_rewrite_ledger_line(conn, w):
    rewrite(conn, "D1", keep=4)
    head = events(conn, "D1")[-1].hash
    conn.execute(text("UPDATE ledger_entry SET last_seq = 4, head_hash = :h WHERE dossier_id = 'D1'"), {"h": head})


def delete_a_dossier(conn, w):
    delete_dossier(conn, "D1")


def delete_a_dossier_and_its_ledger_line(conn, w):
    delete_dossier(conn, "D1", ledger_line=True)


def delete_the_newest_dossier_and_its_ledger_line(conn, w):
    delete_dossier(conn, "D2", ledger_line=True)


def delete_the_newest_and_wind_back_the_seal(conn, w):
    delete_dossier(conn, "D2", ledger_line=True)
    conn.execute(text("UPDATE ledger_seal SET count = 2, last_dossier_id = 'D1'"))


def make_a_dossier_look_unsealed(conn, w):
    rewrite(conn, "D1", _backdate, strip_key=True)
    conn.execute(text("DELETE FROM ledger_entry WHERE dossier_id = 'D1'"))


def insert_a_fabricated_dossier(conn, w):
    insert_fabricated(conn, w, "D9")


def swap_two_snapshots(conn, w):
    first, second = (conn.execute(text("SELECT snapshot FROM dossier WHERE id = :d"), {"d": d}).scalar_one()
                     for d in ("D0", "D1"))
    conn.execute(text("UPDATE dossier SET snapshot = :s WHERE id = 'D0'"), {"s": second})
    conn.execute(text("UPDATE dossier SET snapshot = :s WHERE id = 'D1'"), {"s": first})


def edit_a_snapshot(conn, w):
    conn.execute(text("UPDATE dossier SET snapshot = REPLACE(snapshot, '张三', '张四') WHERE id = 'D0'"))


def reorder_two_events(conn, w):
    conn.execute(text("UPDATE event SET seq = -1 WHERE dossier_id = 'D0' AND seq = 5"))
    conn.execute(text("UPDATE event SET seq = 5 WHERE dossier_id = 'D0' AND seq = 6"))
    conn.execute(text("UPDATE event SET seq = 6 WHERE dossier_id = 'D0' AND seq = -1"))


def replace_an_uploaded_scan(conn, w):
    conn.execute(text("UPDATE blob SET data = :x WHERE sha256 = (SELECT sha256 FROM material WHERE dossier_id = 'D0')"),
                 {"x": b"%PDF-1.4\n% another letter entirely, same length??\n"})


def remove_an_uploaded_scan(conn, w):
    digest = conn.execute(text("SELECT sha256 FROM material WHERE dossier_id = 'D0'")).scalar_one()
    conn.execute(text("DELETE FROM material WHERE dossier_id = 'D0'"))
    conn.execute(text("DELETE FROM blob WHERE sha256 = :s"), {"s": digest})


def move_a_dossier_to_another_branch(conn, w):
    conn.execute(text("UPDATE dossier SET organisation_id = :o WHERE id = 'D1'"), {"o": w.other_branch})


def raise_the_seal_count(conn, w):
    conn.execute(text("UPDATE ledger_seal SET count = count + 1"))


# (tampering, codes of which at least one must be reported, the dossier that must be named or None)
CASES = [
    (edit_one_event, {"EVENT_TAMPERED"}, "D0"),
    (edit_17_events_recompute_plain_hashes, {"EVENT_TAMPERED"}, "D0"),
    (strip_the_keys_and_recompute_plain_hashes, {"EVENT_UNSEALED"}, "D1"),
    (forge_seals_with_own_key, {"KEY_UNKNOWN", "LEDGER_HEAD_MISMATCH"}, "D1"),
    (truncate_history, {"LEDGER_HEAD_MISMATCH"}, "D1"),
    (truncate_and_rewrite_ledger_line, {"LEDGER_TAMPERED"}, "D1"),
    (delete_a_dossier, {"DOSSIER_MISSING"}, "D1"),
    (delete_a_dossier_and_its_ledger_line, {"LEDGER_ENTRY_MISSING"}, "D1"),
    (delete_the_newest_dossier_and_its_ledger_line, {"LEDGER_ENTRY_MISSING"}, "D2"),
    (delete_the_newest_and_wind_back_the_seal, {"LEDGER_SEAL_TAMPERED"}, None),
    (make_a_dossier_look_unsealed, {"LEDGER_ENTRY_MISSING"}, "D1"),
    (insert_a_fabricated_dossier, {"DOSSIER_UNSEALED"}, "D9"),
    (swap_two_snapshots, {"SNAPSHOT_MISMATCH"}, "D0"),
    (edit_a_snapshot, {"SNAPSHOT_MISMATCH"}, "D0"),
    (reorder_two_events, {"EVENT_CHAIN_BROKEN", "EVENT_TAMPERED"}, "D0"),
    (replace_an_uploaded_scan, {"MATERIAL_CORRUPT"}, "D0"),
    (remove_an_uploaded_scan, {"MATERIAL_FILE_MISSING"}, "D0"),
    (move_a_dossier_to_another_branch, {"PLACEMENT_MISMATCH"}, "D1"),
    (raise_the_seal_count, {"LEDGER_SEAL_TAMPERED"}, None),
]


@pytest.fixture
def world(uow) -> World:
    world = build(uow)
    with uow() as u:
        assert verify_all(u.session) == (3, [])
    return world


@pytest.mark.parametrize("tamper, codes, named", CASES, ids=[c[0].__name__ for c in CASES])
def test_tampering_is_caught_and_named(engine, uow, world, tamper, codes, named, tmp_path):
    with engine.begin() as conn:
        if tamper is forge_seals_with_own_key:
            tamper(conn, world, tmp_path)
        else:
            tamper(conn, world)
    with uow() as u:
        _, problems = verify_all(u.session)
    found = {p.code for p in problems}
    assert found & codes, problems
    if named is not None:
        assert named in {p.dossier_id for p in problems if p.code in codes}, problems


def test_seventeen_events_edited_under_the_old_unkeyed_hash_are_caught(engine, uow, world):
    """The issue's case exactly: 17 events edited, every plain hash, head and snapshot recomputed."""
    with engine.begin() as conn:
        edit_17_events_recompute_plain_hashes(conn, world)
    with uow() as u:
        _, problems = verify_all(u.session)
    tampered = {(p.dossier_id, p.seq) for p in problems if p.code == "EVENT_TAMPERED"}
    edited = {(d, seq) for d in ("D0", "D1") for seq in range(1, 8)} | {("D2", seq) for seq in (1, 2, 3)}
    assert len(edited) == 17 and edited <= tampered  # (D2's later events were re-hashed too: also named)


def test_writes_stop_on_a_dossier_whose_history_no_longer_fits_its_ledger_line(engine, uow, world):
    """Normal use never seals over tampering: the next write onto a truncated dossier is refused."""
    with engine.begin() as conn:
        truncate_history(conn, world)
    with uow() as u, pytest.raises(Exception) as refused:
        steps.add_fact(u, world.recorder, "D1", "thought_reports", {"date": "2025-01-10"})
    assert getattr(refused.value, "code", None) == "INTEGRITY_BROKEN"
    with uow() as u:
        assert steps.add_fact(u, world.recorder, "D0", "thought_reports", {"date": "2025-01-10"})


def test_rotation_reseals_everything_and_drops_the_old_key(engine, uow, world, chain_key_file):
    old = keys.read(chain_key_file).current
    with uow() as u:
        before = {e.id: e.hash for e in u.session.exec(select(Event)).all()}
    report = rotate(engine, chain_key_file)
    ring = keys.read(chain_key_file)
    assert ring.current == report.new_key != old and list(ring.secrets) == [report.new_key]
    assert report.retired == [old] and report.dossiers == 3 and report.events == 21
    with uow() as u:
        assert verify_all(u.session) == (3, [])
        after = u.session.exec(select(Event)).all()
        assert {e.key_id for e in after} == {report.new_key} and all(before[e.id] != e.hash for e in after)
        assert {e.key_id for e in u.session.exec(select(LedgerEntry)).all()} == {report.new_key}
    with uow() as u:  # and the store goes on working under the new key
        steps.add_fact(u, world.recorder, "D2", "thought_reports", {"date": "2025-01-10"})
    with uow() as u:
        assert verify_all(u.session) == (3, [])


def test_rotation_refuses_to_reseal_tampered_data(engine, uow, world, chain_key_file):
    with engine.begin() as conn:
        delete_a_dossier(conn, world)
    with pytest.raises(RotationRefused) as refused:
        rotate(engine, chain_key_file)
    assert any(d["code"] == "DOSSIER_MISSING" for d in refused.value.details)
    assert len(keys.read(chain_key_file).secrets) == 1  # nothing changed


def test_a_wrong_key_file_is_reported_once_not_as_a_traceback(engine, db_url, uow, world, chain_key_file,
                                                               monkeypatch, tmp_path):
    chain_key_file.unlink()
    keys.create(chain_key_file)  # another key altogether
    with uow() as u:
        _, problems = verify_all(u.session)
    unknown = [p for p in problems if p.code == "KEY_UNKNOWN"]
    assert len(unknown) == 1 and str(chain_key_file) in unknown[0].message
    assert not {p.code for p in problems} & {"EVENT_TAMPERED", "LEDGER_TAMPERED"}
    url, schema = db_url
    if schema:
        return  # the command opens FAZHAN_DATABASE_URL itself (no schema isolation)
    from api.cli import app
    monkeypatch.setenv("FAZHAN_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["verify"])
    assert result.exit_code == 1 and "KEY_UNKNOWN" in result.output and "Traceback" not in result.output
    (tmp_path / "broken.keys").write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("FAZHAN_CHAIN_KEY_FILE", str(tmp_path / "broken.keys"))
    result = CliRunner().invoke(app, ["verify"])
    assert result.exit_code == 2 and "KEY_FILE_INVALID" in result.output and "Traceback" not in result.output


def test_a_lost_key_file_stops_writes_with_a_clear_answer(uow, world, chain_key_file):
    chain_key_file.unlink()  # the next write creates a new key file, which cannot vouch for the old seals
    for write in (lambda u: steps.add_fact(u, world.recorder, "D0", "thought_reports", {"date": "2025-01-10"}),
                  lambda u: dossiers.create_dossier(u, world.recorder, world.branch,
                                                    {"name": "赵六", "birth_date": "2004-05-06"})):
        with uow() as u, pytest.raises(Exception) as refused:
            write(u)
        assert refused.value.code == "KEY_UNKNOWN" and str(chain_key_file) in refused.value.message


def test_verify_and_rotate_commands(engine, db_url, uow, world, monkeypatch, chain_key_file):
    from api.cli import app

    url, schema = db_url
    if schema:
        pytest.skip("the command opens FAZHAN_DATABASE_URL itself; the schema-isolated run is covered above")
    monkeypatch.setenv("FAZHAN_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "重新签封 3 份档案、21 个事件" in result.output and "旧密钥" in result.output
    with engine.begin() as conn:
        delete_a_dossier_and_its_ledger_line(conn, world)
    result = CliRunner().invoke(app, ["verify"])
    assert result.exit_code == 1
    assert "档案 D1 档案：[LEDGER_ENTRY_MISSING]" in result.output
    result = CliRunner().invoke(app, ["keys", "rotate"])
    assert result.exit_code == 1 and "ROTATION_REFUSED" in result.output


def test_history_written_before_the_key_is_sealed_only_when_asked(engine, uow, world, chain_key_file):
    """A database from before 0002: plain hashes, no ledger. verify says so; rotate seals on request."""
    with engine.begin() as conn:
        for dossier_id in DOSSIERS:
            rewrite(conn, dossier_id, strip_key=True)
        conn.execute(text("DELETE FROM ledger_entry"))
        conn.execute(text("UPDATE ledger_seal SET count = 0, last_dossier_id = NULL, key_id = NULL, mac = ''"))
    with uow() as u:
        _, problems = verify_all(u.session)
    assert {(p.code, p.dossier_id) for p in problems} == {("DOSSIER_UNSEALED", d) for d in DOSSIERS}
    with pytest.raises(RotationRefused) as refused:
        rotate(engine, chain_key_file)
    assert refused.value.code == "UNSEALED_DOSSIERS"
    report = rotate(engine, chain_key_file, seal_unsealed=True)
    assert report.sealed_unsealed == list(DOSSIERS)
    with uow() as u:
        assert verify_all(u.session) == (3, [])
        numbers = {e.dossier_id: e.number for e in u.session.exec(select(LedgerEntry)).all()}
    assert numbers == {"D0": 1, "D1": 2, "D2": 3}


def test_a_dossier_written_before_the_key_goes_on_after_the_upgrade(engine, uow, world):
    """A legacy dossier that is written to joins the ledger; its plain-hashed past, bound by the first
    sealed event, verifies. A sealed event whose key was stripped afterwards does not."""
    with engine.begin() as conn:
        for dossier_id in DOSSIERS:
            rewrite(conn, dossier_id, strip_key=True)
        conn.execute(text("DELETE FROM ledger_entry"))
        conn.execute(text("UPDATE ledger_seal SET count = 0, last_dossier_id = NULL, key_id = NULL, mac = ''"))
    with uow() as u:
        steps.add_fact(u, world.recorder, "D0", "thought_reports", {"date": "2025-01-10"})
    with uow() as u:
        _, problems = verify_all(u.session)
    assert {(p.code, p.dossier_id) for p in problems} == {("DOSSIER_UNSEALED", "D1"), ("DOSSIER_UNSEALED", "D2")}
    with engine.begin() as conn:  # now strip the new seal too and recompute: the ledger line still knows
        rewrite(conn, "D0", strip_key=True)
    with uow() as u:
        codes = {(p.code, p.dossier_id) for p in verify_all(u.session)[1]}
    assert {("EVENT_UNSEALED", "D0"), ("LEDGER_HEAD_MISMATCH", "D0")} <= codes


def test_transfer_events_name_the_organisations(uow, world):
    with uow() as u:
        steps.case_event(u, world.recorder, "D0", {"kind": "transfer_out", "date": "2025-01-10",
                                                   "to_organisation_id": world.other_branch})
    with uow() as u:
        info = json.loads(u.session.exec(select(Event).where(Event.dossier_id == "D0")
                                         .order_by(Event.seq.desc())).first().payload)["info"]
        assert info["pending_organisation_id"] == world.other_branch
        assert verify_all(u.session) == (3, [])
