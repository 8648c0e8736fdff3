"""The HTML report in Debian's Chromium: it opens offline, its charts draw, its numbers match the JSON.

Leaves a full-page screenshot in test-artifacts/ for a person to look at.
"""
from __future__ import annotations

import pytest
from tests_support import CHROMIUM, playwright_or_skip
from tests_support import CHROMIUM_ARGS as ARGS

from documents.reports.html import render_html

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def page(report, tmp_path_factory):
    sync_api = playwright_or_skip()
    path = tmp_path_factory.mktemp("report") / "audit.html"
    path.write_text(render_html(report), encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                      else route.abort())
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(path.as_uri())
        tab.errors = errors
        yield tab
        browser.close()


def test_the_page_opens_without_script_errors(page):
    assert page.title().startswith("发展党员工作审计报告")
    assert page.errors == []


def test_summary_and_charts_show_the_json_numbers(page, report):
    summary = report.document["summary"]
    cards = page.eval_on_selector_all("[data-summary]", "els => Object.fromEntries(els.map(e => "
                                      "[e.dataset.summary, Number(e.textContent)]))")
    assert cards["dossiers"] == summary["dossiers"] and cards["with_violations"] == summary["with_violations"]
    bars = page.eval_on_selector_all("#chart-by-code g.bar", "gs => gs.map(g => [g.dataset.key, "
                                     "Number(g.dataset.value), g.querySelector('rect').getBBox().width])")
    assert {key: value for key, value, _ in bars} == summary["by_code"]
    assert all(width > 10 for _, _, width in bars), "every bar is drawn with a visible width"
    states = page.eval_on_selector_all("#chart-by-state g.bar", "gs => gs.map(g => [g.dataset.key, Number(g.dataset.value)])")
    assert dict(states) == {k: v for k, v in report.pipeline.by_state.items() if v}


def test_the_findings_table_sorts_and_links_to_the_drill_down(page, report):
    header = page.locator("#findings-table th", has_text="代码")
    header.click()
    codes = page.eval_on_selector_all("#findings-table tbody tr", "rows => rows.map(r => r.dataset.code)")
    assert codes == sorted(codes, key=lambda c: c) and len(codes) == len(report.findings)
    header.click()
    again = page.eval_on_selector_all("#findings-table tbody tr", "rows => rows.map(r => r.dataset.code)")
    assert again == sorted(codes, reverse=True)
    page.locator("#findings-table tbody tr[data-id='meeting_without_quorum'] a").first.click()
    assert page.locator("#d-meeting_without_quorum").get_attribute("open") is not None
    drill = page.eval_on_selector_all("#d-meeting_without_quorum li", "lis => lis.map(l => l.dataset.code)")
    assert drill == ["QUORUM_NOT_MET", "VOTE_NOT_PASSED"]


def test_screenshot_for_people(page, artifacts):
    page.evaluate("window.scrollTo(0, 0)")
    target = artifacts / "audit_report.png"
    page.screenshot(caret="initial", path=str(target), full_page=True)
    assert target.stat().st_size > 20_000
