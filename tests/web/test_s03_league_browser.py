"""s03 on a 推优 record in Chromium: the organiser picks the record from the form's list (which fits a
390 px screen), saves, and the dossier points at the record. Screenshots at desktop and phone width
are left in test-artifacts/."""
from __future__ import annotations

import re

import pytest
import test_browser
from test_s03_league_pages import S03, _applicant, _league

PHONE = test_browser.PHONE
site, browser, sessions = test_browser.site, test_browser.browser, test_browser.sessions

pytestmark = pytest.mark.browser


def test_s03_recorded_on_a_league_record_chosen_in_the_form(sessions, site, artifacts):
    base, world = site
    _applicant(world, "LB-1", "推优甲")
    record = _league(world, "LB-1", "2026-10-10", "2025级5班团支部")
    page = sessions("branch_organiser").page
    page.goto(f"{base}/dossiers/LB-1/steps/{S03}/record")
    choice = page.get_by_label("依据的团组织推优记录")
    assert "2025级5班团支部" in choice.inner_text()
    page.get_by_label("日期", exact=False).first.fill("2026-11-20")
    choice.select_option(str(record))
    page.screenshot(caret="initial", path=str(artifacts / "s03-league-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(caret="initial", path=str(artifacts / "s03-league-phone.png"), full_page=True)
    page.get_by_role("button", name="保存记录").click()
    page.wait_for_url(re.compile(r".*done=recorded"))
    page.goto(f"{base}/dossiers/LB-1")
    assert page.get_by_test_id("league-backing").count() == 1
