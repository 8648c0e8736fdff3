"""Helpers for the web tests: the world, a signed-in page client, CSRF tokens read from the pages."""
from __future__ import annotations

import contextlib
import copy
import json
import re
from pathlib import Path

from api_world import MAX_UPLOAD, PASSWORD, TODAY, build_world
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_today
from workflow.service_layer import dossiers, reviews
from workflow.store.access import Actor, OrgTree
from workflow.store.repository import UnitOfWork
from workflow.store.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
CSRF = re.compile(r'name="(?:csrf_token|login_csrf)" value="([^"]+)"')


def make_world(engine):
    world = build_world(engine)
    app = create_app(Settings(database_url="sqlite://", max_upload_bytes=MAX_UPLOAD), engine=engine)
    app.dependency_overrides[get_today] = lambda: TODAY
    world.app = app
    return world


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page carries a CSRF token"
    return match.group(1)


class Page:
    """A TestClient signed in through the login form, the way a browser is."""

    def __init__(self, app, who: str | None):
        self.client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        self.csrf = ""
        if who is not None:
            login = self.client.get("/login")
            answer = self.client.post("/login", data={"username": who, "password": PASSWORD,
                                                      "login_csrf": csrf_of(login.text), "next": "/"})
            assert answer.status_code == 303, answer.text
            self.csrf = csrf_of(self.client.get("/").text)

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict | None = None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, **kw)


def example(name: str) -> dict:
    return copy.deepcopy(json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))["dossier"])


def import_case(engine, org_id: int, dossier_id: str, upto: int, **person) -> str:
    """The valid 2014 case up to step `upto`, every step reviewed, materials untracked, imported by an
    administrator of the tree as the command line would, its paper reviews confirmed by a reviewer."""
    document = example("01_valid_2014_full_record")
    document.pop("materials", None)
    document["id"] = dossier_id
    document["steps"] = document["steps"][:upto]
    document["person"].update(person)
    document["person"].pop("id_number", None)
    with UnitOfWork(engine) as uow:
        tree = OrgTree.load(uow.session)
        root = tree.root(org_id)
        dossiers.import_dossier(uow, Actor(None, "seed", "导入员", ((root, "admin"),)), org_id, document)
    if upto:  # the imported sign-offs are paper history until a second person confirms them (一步一审)
        with UnitOfWork(engine) as uow:
            reviews.confirm_paper_reviews(uow, Actor(None, "seed-reviewer", "核验员", ((root, "reviewer"),)),
                                          dossier_id, today=TODAY)
    return dossier_id


__all__ = ["MAX_UPLOAD", "PASSWORD", "TODAY", "Page", "csrf_of", "import_case", "make_world"]


@contextlib.contextmanager
def served(app):
    """The app on a free local port in a background thread, for the Chromium tests; yields its base URL."""
    import socket
    import threading
    import time

    import pytest
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the web server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
