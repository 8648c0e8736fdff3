"""Issue 9: no log line holds an ID number, a person's name with it, a calendar-feed secret or a snapshot.

The served test runs the real `fazhan serve` (uvicorn with its own access log) and reads everything
it wrote; the others check the filter on the records uvicorn and SQLAlchemy produce on failure.
"""
from __future__ import annotations

import io
import json
import logging

import httpx
from api_world import PASSWORD, build_world
from security_support import served, token_for
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from api.log_config import RedactingFilter, install_redaction, scrub
from api.web.session import feed_token
from workflow.store.db import make_engine, migrate
from workflow.store.repository import UnitOfWork
from workflow.store.tables import User

NUMBER = "110105200102110024"
NAME = "王小明"


def test_served_logs_hold_no_id_number_name_feed_secret_or_snapshot(tmp_path):
    url = f"sqlite:///{tmp_path / 'f.db'}"
    migrate(url)
    engine = make_engine(url)
    world = build_world(engine)
    with UnitOfWork(engine) as uow:
        user = uow.session.exec(select(User).where(User.login == "organiser")).one()
        feed = feed_token(user)
    log = tmp_path / "server.log"
    with served(url, log) as base:
        auth = {"Authorization": f"Bearer {token_for(base, 'organiser', PASSWORD)}"}
        created = httpx.post(f"{base}/api/dossiers", headers=auth, json={
            "organisation_id": world.orgs["A1"], "person": {"name": NAME, "birth_date": "2001-02-11",
                                                            "id_number": NUMBER}})
        assert created.status_code == 201, created.text
        # the number typed where a dossier id or a filter goes ends up in the request line
        assert httpx.get(f"{base}/api/dossiers/{NUMBER}", headers=auth).status_code == 404
        assert httpx.get(f"{base}/api/dossiers", params={"state": NUMBER}, headers=auth).status_code == 200
        assert httpx.get(f"{base}/calendar/{feed}.ics").status_code == 200
        wrong = feed[:-1] + ("1" if feed.endswith("0") else "0")  # always a different last character
        assert httpx.get(f"{base}/calendar/{wrong}.ics").status_code == 404
    engine.dispose()
    text = log.read_text(encoding="utf-8", errors="replace")
    assert '"GET /calendar/[已隐去].ics HTTP/1.1" 200' in text  # the access line is kept, its secret is not
    assert "/api/dossiers/1101**********0024 HTTP/1.1" in text
    assert feed not in text and feed.split("-", 1)[1][:20] not in text
    assert NUMBER not in text and NAME not in text and "dossier/1" not in text


def _capture(logger_name: str) -> tuple[logging.Logger, io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    install_redaction()
    return logger, stream, handler


def test_a_failed_insert_traceback_loses_its_row():
    """A unique-constraint failure escaping to uvicorn is logged with SQLAlchemy's "[parameters: …]"
    (every column: the name, the number, the whole snapshot) and PostgreSQL's "DETAIL: Key (…)=(…)"."""
    snapshot = json.dumps({"format": "dossier/1", "id": "D1", "person": {"name": NAME, "id_number": NUMBER},
                           "steps": [{"step": "s01_application", "people": [{"name": "介绍人"}]}], "materials": []},
                          ensure_ascii=False)
    orig = Exception("duplicate key value violates unique constraint \"uq_dossier_person_in_tree\"\n"
                     f"DETAIL:  Key (root_organisation_id, person_name, birth_date)=(1, {NAME}, 2001-02-11) "
                     "already exists.")
    error = IntegrityError("INSERT INTO dossier (id, person_name, id_number, snapshot) VALUES (?, ?, ?, ?)",
                           ("D1", NAME, NUMBER, snapshot), orig)
    logger, stream, handler = _capture("uvicorn.error")
    try:
        try:
            raise error
        except IntegrityError:
            logger.exception("Exception in ASGI application\n")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "IntegrityError" in text and "Exception in ASGI application" in text and "uq_dossier_person_in_tree" in text
    assert NUMBER not in text and NAME not in text and "dossier/1" not in text and "介绍人" not in text


def test_access_records_keep_their_shape_for_uvicorns_formatter():
    from uvicorn.logging import AccessFormatter

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", f"/calendar/7-{'a' * 40}.ics?x={NUMBER}", "1.1", 200), None)
    assert RedactingFilter().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(record)
    assert line == f'127.0.0.1:5000 - "GET /calendar/[已隐去].ics?x=1101**********0024 HTTP/1.1" 200 OK'


def test_our_own_loggers_are_scrubbed_too():
    logger, stream, handler = _capture("fazhan")
    try:
        logging.getLogger("fazhan.web").warning("refused %s for %s", NUMBER, {"format": "dossier/1", "x": NAME})
    finally:
        logger.removeHandler(handler)
    assert NUMBER not in stream.getvalue() and NAME not in stream.getvalue()


def test_scrub_leaves_digests_and_long_numbers_alone():
    digest = "0123456789abcdef" * 4
    assert scrub(f"sha256 {digest} at 1732934400123456789") == f"sha256 {digest} at 1732934400123456789"
    assert scrub(f"身份证{NUMBER}有误") == "身份证1101**********0024有误"
