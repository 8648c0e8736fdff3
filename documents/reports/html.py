"""The audit report as one self-contained HTML page (styles and a small sorting script inline), and
the same markup for print, which WeasyPrint styles from the static files instead.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from documents.reports.charts import NEUTRAL, SEVERITY_COLOUR, Bar, Segment, bar_chart
from documents.reports.data import SEVERITY_LABEL, AuditReport

HERE = Path(__file__).parent
STATIC = HERE / "static"
SCREEN_CSS = STATIC / "report.css"
SORT_JS = STATIC / "sort.js"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def charts(report: AuditReport) -> dict:
    legend = [(SEVERITY_LABEL[s], c) for s, c in SEVERITY_COLOUR.items()]
    by_code = [Bar(row["code"], f"{row['code']} {row['name']}",
                   (Segment(row["severity"], row["count"], SEVERITY_COLOUR[row["severity"]]),))
               for row in report.by_code]
    by_org = [Bar(row["organisation"], row["organisation"],
                  tuple(Segment(s, row[s], SEVERITY_COLOUR[s]) for s in SEVERITY_COLOUR))
              for row in report.by_organisation]
    names = {s: n for s, n in zip(report.pipeline.by_state, _state_labels())}
    by_state = [Bar(state, names.get(state, state), (Segment(state, count, NEUTRAL),))
                for state, count in report.pipeline.by_state.items() if count]
    return {"by_code": bar_chart("chart-by-code", "问题按代码", by_code, legend),
            "by_organisation": bar_chart("chart-by-organisation", "问题按党组织", by_org, legend),
            "by_state": bar_chart("chart-by-state", "各阶段人数", by_state)}


def _state_labels() -> list[str]:
    from workflow.pipeline import state_names

    return list(state_names().values())


def render_html(report: AuditReport, *, for_print: bool = False) -> str:
    """`for_print` leaves out the inline style and script: WeasyPrint gets the static stylesheets."""
    from workflow.pipeline import state_names

    template = _environment().get_template("audit_report.html")
    return template.render(report=report, charts=charts(report), severity_label=SEVERITY_LABEL,
                           state_names=state_names(), for_print=for_print,
                           inline_css="" if for_print else SCREEN_CSS.read_text(encoding="utf-8"),
                           inline_js="" if for_print else SORT_JS.read_text(encoding="utf-8"))
