"""Issue 9: the Content-Security-Policy fits the pages. In Debian's Chromium nothing the pages need is
refused (the vendored htmx still filters the dashboard), and another page cannot frame them."""
from __future__ import annotations

import shutil
import tempfile

import pytest
from tests_support import CHROMIUM, playwright_or_skip
from tests_support import CHROMIUM_ARGS as ARGS
from webkit import PASSWORD, make_world, served

from workflow.store.db import make_engine, migrate

pytestmark = pytest.mark.browser
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(scope="module")
def site():

    folder = tempfile.mkdtemp(prefix="fazhan-csp-")
    url = f"sqlite:///{folder}/web.db"
    migrate(url)
    engine = make_engine(url)
    world = make_world(engine)
    with served(world.app) as base:
        yield base
    engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def page(site):
    playwright_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(locale="zh-CN")
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.console = []
        page.on("console", lambda msg: page.console.append(msg.text))
        yield page
        browser.close()


def test_pages_and_htmx_run_under_the_policy(site, page):
    page.goto(site + "/login")
    page.get_by_label("用户名").fill("branch_organiser")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(site + "/")
    assert page.evaluate("typeof htmx") == "object"
    page.select_option("#f-stage", "2")  # htmx swaps the board in place and pushes the URL
    page.wait_for_url(site + "/?stage=2*")
    assert page.locator("#f-stage").input_value() == "2"
    page.goto(site + "/account/password")
    assert page.evaluate("window.__csp") == []
    assert not [m for m in page.console if "Content Security Policy" in m]


def test_another_page_cannot_frame_ours(site, page):
    page.goto(site + "/login")
    page.evaluate("""url => new Promise(done => {
        const frame = document.createElement('iframe');
        frame.src = url; frame.onload = () => done(); document.body.appendChild(frame);
        setTimeout(done, 3000);
    })""", site + "/login")
    framed = page.frames[1]
    assert framed.url in ("", "about:blank", "chrome-error://chromewebdata/") or framed.content().count("登录") == 0
    assert any("frame-ancestors" in m for m in page.console)
