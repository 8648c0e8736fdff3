"""A minimal iCalendar (RFC 5545) writer: all-day events, escaped text, lines folded at 75 octets."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass
class CalendarEvent:
    uid: str
    day: dt.date
    summary: str
    description: str = ""
    url: str = ""


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Splits a content line into chunks of at most 75 octets without cutting a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with one space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def calendar(name: str, events: list[CalendarEvent], now: dt.datetime) -> str:
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//fazhan//发展党员全程纪实//ZH", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(name)}", "X-WR-TIMEZONE:Asia/Shanghai"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{_escape(event.uid)}", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{event.day.strftime('%Y%m%d')}",
                  f"DTEND;VALUE=DATE:{(event.day + dt.timedelta(days=1)).strftime('%Y%m%d')}",
                  f"SUMMARY:{_escape(event.summary)}"]
        if event.description:
            lines.append(f"DESCRIPTION:{_escape(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
