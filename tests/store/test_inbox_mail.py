"""The inbox's e-mail digest against a local SMTP server (aiosmtpd on a free port): off by default,
opt-in per user, at most one a day, nothing when the inbox is empty, and never an ID number in a mail
or a log line."""
from __future__ import annotations

import logging
import socket
from email import message_from_bytes, policy

import pytest
from store.batch_world import TODAY, build

from workflow.errors import InputError
from workflow.service_layer import dossiers, inbox, inbox_mail, steps
from workflow.service_layer.returns import return_step
from workflow.store import admin
from workflow.store.accounts import actor_for
from workflow.store.settings import Settings
from workflow.store.tables import User

ID_NUMBER = "110105200102110024"
PASSWORD = "correct-horse-1"


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch):
    from argon2 import PasswordHasher

    from workflow.store import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, handler
    controller.stop()


@pytest.fixture
def store(uow, engine):
    """A branch organiser and a reviewer with accounts; a case with an ID number whose s01 was sent back."""
    inbox.clear_cache()
    world = build(uow)
    users = {}
    for login, name, grants in (("org", "吴支书", [(world.branch, "organiser")]),
                                ("rev", "王组织员", [(world.root, "reviewer")]),
                                ("idle", "闲置", [(world.other, "organiser")])):
        with uow() as u:
            users[login] = admin.create_user(u, None, login=login, display_name=name, password=PASSWORD,
                                             grants=grants)["id"]

    def actor(login):
        with uow() as u:
            return actor_for(u.session, u.session.get(User, users[login]))

    with uow() as u:
        dossiers.create_dossier(u, actor("org"), world.branch, {"name": "张三", "birth_date": "2001-02-11",
                                                                "id_number": ID_NUMBER},
                                dossier_id="M-1", track_materials=False)
    with uow() as u:
        steps.record_step(u, actor("org"), "M-1", {"step": "s01_application", "date": "2026-11-01"}, today=TODAY)
    with uow() as u:  # a comment quoting the ID number must not carry it into the mail
        return_step(u, actor("rev"), "M-1", 0, f"申请书上的身份证号 {ID_NUMBER} 与档案不符")
    with uow() as u:  # and a step waiting for the reviewer
        dossiers.create_dossier(u, actor("org"), world.branch, {"name": "李四", "birth_date": "2002-03-04"},
                                dossier_id="M-2", track_materials=False)
    with uow() as u:
        steps.record_step(u, actor("org"), "M-2", {"step": "s01_application", "date": "2026-11-02"}, today=TODAY)
    for login, address in (("org", "wu@example.org"), ("rev", "wang@example.org"), ("idle", "idle@example.org")):
        with uow() as u:
            inbox_mail.set_address(u, actor(login), address)
    return world, actor


def _settings(port: int, **kw) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="fazhan@example.org",
                    public_url="https://fazhan.example.org", **kw)


def test_each_opted_in_user_gets_one_digest_without_an_id_number(store, engine, smtp, caplog):
    port, server = smtp
    caplog.set_level(logging.INFO)
    outcomes = inbox_mail.run_digest(engine, _settings(port), TODAY)
    assert [(o.login, o.status) for o in outcomes] == [("idle", "empty"), ("org", "sent"), ("rev", "sent")]
    assert sorted(tuple(to) for to, _ in server.messages) == [("wang@example.org",), ("wu@example.org",)]
    mails = {to[0]: message for to, message in server.messages}
    organiser = mails["wu@example.org"]
    assert organiser["From"] == "fazhan@example.org"
    assert organiser["Subject"].startswith("发展党员工作待办")
    body = organiser.get_content()
    assert "退回给您更正（1）" in body and "张三 · 递交入党申请书" in body and "王组织员 退回" in body
    assert "https://fazhan.example.org/dossiers/M-1/steps/0/correct" in body
    reviewer = mails["wang@example.org"].get_content()
    assert "待您审核（1）" in reviewer and "https://fazhan.example.org/queue/M-2" in reviewer
    assert "张三" not in reviewer  # the step sent back waits for its recorder, not for the reviewer
    for message in server.messages:
        raw = message[1].as_string()
        assert ID_NUMBER not in raw and ID_NUMBER not in message[1].get_content()
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("fazhan"))
    assert "inbox digest sent to org" in logged
    assert ID_NUMBER not in logged and "wu@example.org" not in logged
    # a second run the same day sends nothing; --force sends again
    again = inbox_mail.run_digest(engine, _settings(port), TODAY)
    assert {o.status for o in again if o.login != "idle"} == {"already"} and len(server.messages) == 2
    inbox_mail.run_digest(engine, _settings(port), TODAY, force=True)
    assert len(server.messages) == 4


def test_the_digest_is_off_by_default_and_a_dry_run_sends_nothing(store, engine, smtp):
    port, server = smtp
    assert Settings().smtp_host == "" and not inbox_mail.enabled(Settings())
    assert [o.status for o in inbox_mail.run_digest(engine, Settings(), TODAY)] == ["disabled"]
    dry = inbox_mail.run_digest(engine, Settings(), TODAY, dry_run=True)
    assert [(o.login, o.status) for o in dry] == [("idle", "empty"), ("org", "dry_run"), ("rev", "dry_run")]
    assert ID_NUMBER not in dry[1].body and "张" in dry[1].body
    assert server.messages == []
    # nothing was remembered: the real run still sends
    assert {o.status for o in inbox_mail.run_digest(engine, _settings(port), TODAY)} == {"empty", "sent"}


def test_a_stopped_address_or_an_unreachable_server(store, engine, smtp, uow):
    port, server = smtp
    _, actor = store
    with uow() as u:
        inbox_mail.set_address(u, actor("rev"), None)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    failed = inbox_mail.run_digest(engine, _settings(closed), TODAY)
    assert [(o.login, o.status) for o in failed] == [("idle", "empty"), ("org", "failed")]
    assert failed[1].error == "ConnectionRefusedError"
    assert [o.status for o in inbox_mail.run_digest(engine, _settings(port), TODAY)] == ["empty", "sent"]


def test_addresses_are_checked(store, uow):
    _, actor = store
    for bad in ("", "no-at-sign", "a@b", "x@example.org\r\nBcc: y@example.org", "a b@example.org",
                "a@" + "x" * 260 + ".org"):
        with uow() as u, pytest.raises(InputError):
            inbox_mail.set_address(u, actor("org"), bad)
    with uow() as u:
        assert inbox_mail.set_address(u, actor("org"), " new@example.org ")["address"] == "new@example.org"
