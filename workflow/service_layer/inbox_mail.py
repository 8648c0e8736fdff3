"""The inbox as an e-mail digest: off unless an SMTP host is configured (`FAZHAN_SMTP_HOST`, port, from,
STARTTLS), and sent only to users who gave an address (opt-in, `InboxMail`). `fazhan inbox digest` runs
it, e.g. from cron; a user gets at most one digest a day and none when their inbox is empty.

A digest names people and steps, as the calendar feed does, but never an ID number: the inbox holds
none, and the finished text is passed through `redact_id_numbers` (a reviewer's comment is free text).
Log lines say which login got how many items, never an address or a name.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import quote

from sqlmodel import select

from workflow.adapters.sql import UnitOfWork
from workflow.errors import InputError
from workflow.service_layer import inbox
from workflow.store.access import Actor
from workflow.store.accounts import actor_for
from workflow.store.batch_tables import InboxMail
from workflow.store.idnumber import redact_id_numbers
from workflow.store.settings import Settings
from workflow.store.tables import User

log = logging.getLogger("fazhan")
MAX_ADDRESS = 254
MAX_LISTED = 50  # items per section in one mail; the rest are counted and waiting in the inbox
SMTP_TIMEOUT = 30


def enabled(settings: Settings) -> bool:
    return bool(settings.smtp_host.strip())


def _checked(address: str) -> str:
    text = address.strip() if isinstance(address, str) else ""
    if not text:
        raise InputError("请填写电子邮件地址", code="FIELD_REQUIRED", field="address")
    if len(text) > MAX_ADDRESS or any(c in text for c in "\r\n\x00 ,;<>"):
        raise InputError("电子邮件地址格式不正确", code="VALUE_INVALID", field="address")
    try:
        parsed = Address(addr_spec=text)
    except (ValueError, IndexError, TypeError):
        raise InputError("电子邮件地址格式不正确", code="VALUE_INVALID", field="address") from None
    if not parsed.username or "." not in parsed.domain:
        raise InputError("电子邮件地址格式不正确", code="VALUE_INVALID", field="address")
    return text


def address_of(uow: UnitOfWork, actor: Actor) -> dict | None:
    row = uow.session.get(InboxMail, actor.user_id) if actor.user_id is not None else None
    if row is None:
        return None
    return {"address": row.address, "enabled": row.enabled, "last_sent_on": row.last_sent_on}


def set_address(uow: UnitOfWork, actor: Actor, address: str | None) -> dict | None:
    """The user's own digest address (None stops the digest); only a signed-in user has one."""
    if actor.user_id is None:
        raise InputError("命令行用户没有待办摘要", code="VALUE_INVALID", field="address")
    row = uow.session.get(InboxMail, actor.user_id)
    if address is None:
        if row is not None:
            row.enabled = False
            uow.session.add(row)
            uow.commit()
        return address_of(uow, actor)
    text = _checked(address)
    if row is None:
        row = InboxMail(user_id=actor.user_id, address=text, enabled=True)
    else:
        row.address, row.enabled = text, True
    uow.session.add(row)
    uow.commit()
    return address_of(uow, actor)


# ---------------------------------------------------------------- the digest

def _section(title: str, items: list[inbox.Item], line) -> list[str]:
    if not items:
        return []
    out = ["", f"{title}（{len(items)}）"]
    out += [line(item) for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        out.append(f"……另有 {len(items) - MAX_LISTED} 项，请在待办页面查看")
    return out


def compose(box: inbox.Inbox, name: str, base_url: str, today: dt.date) -> tuple[str, str]:
    """(subject, plain text) of one user's digest."""
    base = base_url.rstrip("/")

    def link(dossier_id: str, tail: str = "") -> str:
        return f"{base}/dossiers/{quote(dossier_id)}{tail}"

    lines = [f"{name}，您好：", "", f"截至 {today.isoformat()}，您在发展党员全程纪实系统中有 {box.count} 项待办。"]
    lines += _section("退回给您更正", box.returned, lambda i: (
        f"- {i.name} · {i.step_name}：{i.by} 退回，意见：{i.comment}\n"
        f"  更正：{link(i.dossier_id, f'/steps/{i.index}/correct')}"))
    lines += _section("待您审核", box.reviews, lambda i: (
        f"- {i.name} · {i.step_name}（{i.date.isoformat()}，记录人 {i.by or '—'}）\n"
        f"  审核：{base}/queue/{quote(i.dossier_id)}"))
    lines += _section("已超期", box.overdue, lambda i: (
        f"- {i.name} · {i.step_name}：截止 {i.date.isoformat()}，已超期 {-i.days} 天"
        f"{'；依据 ' + i.rule if i.rule else ''}\n  {link(i.dossier_id, '#' + i.step)}"))
    lines += _section("即将到期", box.due, lambda i: (
        f"- {i.name} · {i.step_name}：截止 {i.date.isoformat()}，还有 {i.days} 天"
        f"{'；依据 ' + i.rule if i.rule else ''}\n  {link(i.dossier_id, '#' + i.step)}"))
    lines += ["", f"打开待办：{base}/inbox", f"此邮件由系统自动发送。不再需要时，请在 {base}/inbox/mail 停止接收。"]
    subject = f"发展党员工作待办 {box.count} 项（{today.isoformat()}）"
    return redact_id_numbers(subject), redact_id_numbers("\n".join(lines)) + "\n"


@dataclass
class Outcome:
    login: str
    items: int
    status: str  # sent | empty | already | dry_run | failed | disabled
    subject: str = ""
    body: str = ""
    error: str = ""


def _message(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from or f"fazhan@{settings.smtp_host or 'localhost'}"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body, charset="utf-8")
    return message


def _send(settings: Settings, messages: list[EmailMessage]) -> list[str | None]:
    """Sends over one SMTP connection; one error text (or None) per message."""
    results: list[str | None] = []
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        for message in messages:
            try:
                smtp.send_message(message)
                results.append(None)
            except smtplib.SMTPException as exc:
                results.append(type(exc).__name__)
    return results


def run_digest(engine, settings: Settings, today: dt.date, *, dry_run: bool = False,
               force: bool = False) -> list[Outcome]:
    """One digest per opted-in active user with something in their inbox, at most once a day (`force`
    sends again). `dry_run` composes and returns them without sending or remembering anything."""
    if not enabled(settings) and not dry_run:
        return [Outcome("", 0, "disabled")]
    outcomes: list[Outcome] = []
    pending: list[tuple[int, Outcome, EmailMessage]] = []
    with UnitOfWork(engine) as uow:
        rows = uow.session.exec(select(InboxMail, User).where(InboxMail.user_id == User.id,
                                                              InboxMail.enabled, User.active)
                                .order_by(User.login)).all()
        for mail, user in rows:
            if mail.last_sent_on == today and not force and not dry_run:
                outcomes.append(Outcome(user.login, 0, "already"))
                continue
            box = inbox.inbox_for(uow, actor_for(uow.session, user), today, settings.inbox_due_days)
            if box.count == 0:
                outcomes.append(Outcome(user.login, 0, "empty"))
                continue
            subject, body = compose(box, user.display_name, settings.public_url, today)
            outcome = Outcome(user.login, box.count, "dry_run" if dry_run else "sent", subject, body)
            outcomes.append(outcome)
            if not dry_run:
                pending.append((user.id, outcome, _message(settings, mail.address, subject, body)))
    if not pending:
        return outcomes
    try:
        errors = _send(settings, [message for _, _, message in pending])
    except (OSError, smtplib.SMTPException) as exc:
        errors = [type(exc).__name__] * len(pending)
    sent = []
    for (user_id, outcome, _), error in zip(pending, errors, strict=True):
        if error:
            outcome.status, outcome.error = "failed", error
            log.warning("inbox digest to %s failed: %s", outcome.login, error)
        else:
            sent.append(user_id)
            log.info("inbox digest sent to %s: %d items", outcome.login, outcome.items)
    if sent:
        with UnitOfWork(engine) as uow:
            for row in uow.session.exec(select(InboxMail).where(InboxMail.user_id.in_(sent))).all():
                row.last_sent_on = today
                uow.session.add(row)
            uow.commit()
    return outcomes
