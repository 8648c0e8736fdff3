"""A browser without a browser: users who read the workspace's HTML, follow its links and submit its
forms with the TestClient, counting every page load (GET or POST of an HTML page, each redirect
followed counting as the GET it is).

A user's page is "stale" once another user has changed something after it was loaded: they reload
it before reading it again, as a person waiting for a colleague does. The forms are submitted with the
values the page itself carries (hidden fields, the CSRF token, preselected options) plus what the user
types, so a walk exercises the pages as they are, not URLs a test knows by heart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin

from webkit import Page


@dataclass
class Form:
    action: str
    method: str = "get"
    enctype: str = ""
    attrs: dict = field(default_factory=dict)
    values: list[tuple[str, str]] = field(default_factory=list)  # what submitting it unchanged sends
    files: list[str] = field(default_factory=list)  # names of file inputs
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, text)
    selects: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Link:
    href: str
    text: str
    attrs: dict


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[Link] = []
        self._form: Form | None = None
        self._link: Link | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: tuple[str, list[str]] | None = None
        self._button: tuple[str, str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower(),
                              enctype=a.get("enctype", ""), attrs=a)
            self.forms.append(self._form)
        elif tag == "a" and "href" in a:
            self._link = Link(a["href"], "", a)
            self.links.append(self._link)
        elif self._form is not None and tag == "input":
            kind, name = a.get("type", "text").lower(), a.get("name")
            if not name or "disabled" in a:
                return
            if kind == "file":
                self._form.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.values.append((name, a.get("value", "on")))
            elif kind in ("submit", "button"):
                self._form.buttons.append((name, a.get("value", ""), a.get("value", "")))
            else:
                self._form.values.append((name, a.get("value", "")))
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = (a["name"], [], [])
        elif self._select is not None and tag == "option":
            value = a.get("value")
            self._select[1].append(value if value is not None else "")
            if "selected" in a:
                self._select[2].append(self._select[1][-1])
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._textarea = (a["name"], [])
        elif self._form is not None and tag == "button":
            self._button = (a.get("name", ""), a.get("value", ""), [])

    def handle_data(self, data):
        if self._link is not None:
            self._link.text += data
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._button is not None:
            self._button[2].append(data)

    def handle_endtag(self, tag):
        if tag == "a":
            self._link = None
        elif tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options, selected = self._select
            self._form.selects[name] = options
            chosen = selected[:1] or options[:1]
            self._form.values += [(name, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.values.append((self._textarea[0], "".join(self._textarea[1]).lstrip("\n")))
            self._textarea = None
        elif tag == "button" and self._button is not None and self._form is not None:
            name, value, text = self._button
            self._form.buttons.append((name, value, "".join(text).strip()))
            self._button = None


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    return reader


def visible_text(html: str) -> str:
    """What a person reads: the text outside tags, scripts and styles (attribute values left out)."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    return unescape(re.sub(r"(?s)<[^>]+>", " ", html))


class Shared:
    """What the users of one walk share: a change counter (for staleness) and the load tally."""

    def __init__(self) -> None:
        self.changes = 0
        self.loads: dict[str, dict[str, int]] = {}

    def total(self) -> int:
        return sum(sum(v.values()) for v in self.loads.values())


class User:
    """One signed-in person: the page they are on, when it was loaded, and how many loads they made."""

    def __init__(self, app, login: str, shared: Shared):
        self.page = Page(app, login)
        self.login, self.shared = login, shared
        self.url, self.html, self.seen = "/", "", -1
        self.tally = shared.loads.setdefault(login, {"GET": 0, "POST": 0})
        self.pages: list[str] = []

    # -------------------------------------------------------------- loading
    def _land(self, answer, url: str):
        while answer.status_code in (302, 303):
            url = urljoin(url, answer.headers["location"])
            self.tally["GET"] += 1
            answer = self.page.get(url)
        assert answer.status_code < 500, f"{url}: {answer.status_code}"
        self.url, self.html, self.seen = url, answer.text, self.shared.changes
        self.pages.append(url)
        return answer

    def get(self, url: str):
        self.tally["GET"] += 1
        return self._land(self.page.get(url), url)

    def fresh(self) -> None:
        """Reload the page when someone changed something since it was loaded."""
        if self.seen < self.shared.changes:
            self.get(self.url)

    def submit(self, form: Form, typed: dict | None = None, files: dict | None = None, button: str | None = None):
        """Submit `form` as the page would: its own values, what was typed over them, the chosen button."""
        data: dict[str, list[str]] = {}
        typed = dict(typed or {})
        for name, value in form.values:
            if name in typed:
                continue
            data.setdefault(name, []).append(value)
        for name, value in typed.items():
            if value is None:
                continue
            data[name] = value if isinstance(value, list) else [str(value)]
        if button is not None:
            chosen = next(b for b in form.buttons if b[2] == button or b[1] == button)
            if chosen[0]:
                data[chosen[0]] = [chosen[1]]
        self.tally["POST"] += 1
        url = urljoin(self.url, form.action)
        upload = [(name, item) for name, items in (files or {}).items() for item in items]
        answer = self.page.client.post(url, data=data, files=upload or None)
        if answer.status_code in (302, 303):
            self.shared.changes += 1
        return self._land(answer, url)

    # -------------------------------------------------------------- reading
    def forms(self, action: str | re.Pattern) -> list[Form]:
        match = (lambda a: re.search(action, a)) if isinstance(action, re.Pattern) else (lambda a: a.endswith(action))
        return [f for f in read(self.html).forms if match(f.action)]

    def links(self, href: str | re.Pattern) -> list[Link]:
        match = (lambda h: re.search(href, h)) if isinstance(href, re.Pattern) else (lambda h: h.split("#")[0] == href)
        return [link for link in read(self.html).links if match(link.href)]
