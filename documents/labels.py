"""Chinese words for the dossier's machine values (ids, enums), as printed on the forms.

The words are not written here: each table is the step schema's value table of the same meaning
(checklists/data/step_fields.toml), so a word changed there is printed on every form, shown on every
page and accepted by the parser at once. The names below stay because the form templates and pages
read them (`labels.conclusion[...]`, `labels.MEMBER_STATUS`).
"""
from __future__ import annotations

from checklists.step_fields import step_schema


def words(table: str) -> dict[str, str]:
    """value → word of one value table of the step schema, in the table's order."""
    return step_schema().words(table)


NOMINATION = words("nomination")
MEMBER_STATUS = words("member_status")
CONCLUSION = words("conclusion")
PRE_REVIEW = words("pre_review")
ADMISSION_OUTCOME = words("admission_outcome")
CONVERSION_OUTCOME = words("conversion_outcome")
ASSESSMENT_PERIOD = words("assessment_period")
PUBLICITY_KIND = words("publicity_kind")
CASE_EVENT = words("case_event")

ALL = {"nomination": NOMINATION, "status": MEMBER_STATUS, "conclusion": CONCLUSION, "pre_review": PRE_REVIEW,
       "admission_outcome": ADMISSION_OUTCOME, "conversion_outcome": CONVERSION_OUTCOME,
       "period": ASSESSMENT_PERIOD, "publicity": PUBLICITY_KIND, "case_event": CASE_EVENT}
"""The tables the form templates read as `labels.<key>` (documents/context.py)."""
