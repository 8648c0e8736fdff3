"""Reading one cell as people really type it: dates in several styles, counts, yes/no, choices.

Each parser takes the raw cell (what openpyxl or the CSV module gave) and returns the value for
`dossier/1`, or raises `CellProblem` with a stable code and a Chinese reason. Full-width digits and
punctuation (２０２４年９月１０日, ／, －) are folded with NFKC first, so they read like ASCII.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from workflow.spreadsheet.columns import Column
from workflow.spreadsheet.limits import MAX_SHOWN_CHARS

_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_LIST_SPLIT = re.compile(r"[；;、,，\n]+")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2958465
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "t"}
_FALSE = {"否", "n", "no", "false", "0", "×", "f"}
DATE_HINT = "请写成 2024-09-10、2024/9/10 或 2024年9月10日"


class CellProblem(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def fold(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def display(value: object) -> str:
    """The cell as a person would read it back (dates as ISO, 8.0 as 8)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def shown(value: object) -> str:
    """The cell as an error message quotes it: like `display`, cut short (a cell can hold 32 767 characters)."""
    text = display(value)
    return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS] + "…"


def _make_date(year: int, month: int, day: int, raw: object) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellProblem("DATE_INVALID", f"“{display(raw)}”不是存在的日期") from None


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellProblem("DATE_INVALID", f"无法识别的日期，{DATE_HINT}")
    if isinstance(value, (int, float)):
        if float(value).is_integer() and _COMPACT.match(str(int(value))):
            text = str(int(value))
            return _make_date(int(text[:4]), int(text[4:6]), int(text[6:]), value)
        if 0 < value <= _EXCEL_MAX_SERIAL and float(value).is_integer():
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellProblem("DATE_INVALID", f"无法识别的日期，{DATE_HINT}")
    text = fold(value)
    match = _YMD.match(text) or _COMPACT.match(text)
    if not match:
        raise CellProblem("DATE_INVALID", f"无法识别的日期，{DATE_HINT}")
    return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), value)


def parse_dates(value: object) -> list[dt.date]:
    if not isinstance(value, str):
        return [parse_date(value)]
    out = []
    for piece in _LIST_SPLIT.split(fold(value)):
        if not piece.strip():
            continue
        try:
            out.append(parse_date(piece))
        except CellProblem:
            parts = piece.split()
            if len(parts) < 2:
                raise
            out.extend(parse_date(p) for p in parts)
    return out


def parse_int(value: object) -> int:
    if isinstance(value, bool):
        raise CellProblem("VALUE_INVALID", "应为整数")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellProblem("VALUE_INVALID", "应为整数")
        value = int(value)
    if isinstance(value, int):
        if value < 0:
            raise CellProblem("VALUE_INVALID", "不能为负数")
        return value
    text = re.sub(r"(人|票|个|名|月|个月)$", "", fold(value)).strip()
    if re.fullmatch(r"-\d+", text):
        raise CellProblem("VALUE_INVALID", "不能为负数")
    if re.fullmatch(r"\d+(\.0+)?", text):
        return int(float(text))
    raise CellProblem("VALUE_INVALID", "应为整数（阿拉伯数字）")


def parse_number(value: object) -> float | int:
    if isinstance(value, bool):
        raise CellProblem("VALUE_INVALID", "应为数字")
    if isinstance(value, (int, float)):
        number = value
    else:
        text = re.sub(r"(天|学时|课时|小时)$", "", fold(value)).strip()
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            raise CellProblem("VALUE_INVALID", "应为数字（阿拉伯数字）")
        number = float(text)
    if number < 0:
        raise CellProblem("VALUE_INVALID", "不能为负数")
    return int(number) if float(number).is_integer() else float(number)


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = fold(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellProblem("VALUE_INVALID", "应填“是”或“否”")


def _folded_choices(column: Column) -> dict[str, str]:
    return {fold(label): machine for label, machine in column.choices.items()}


def parse_choice(value: object, column: Column) -> str:
    text = fold(display(value))
    choices = _folded_choices(column)
    if text in choices:
        return choices[text]
    if text in column.choices.values():
        return text
    raise CellProblem("VALUE_INVALID", f"取值无效，可选：{'、'.join(column.choices)}")


def parse_multi(value: object, column: Column) -> list[str]:
    return [parse_choice(piece, column) for piece in re.split(r"[、,，;；/\s]+", fold(value)) if piece]


def parse_text(value: object) -> str:
    return fold(display(value)) if not isinstance(value, str) else unicodedata.normalize("NFKC", value).strip()


def parse_id_number(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellProblem("ID_NUMBER_NUMERIC", "身份证号码被存成了数字，末几位可能已丢失；请把该列设为文本后重新填写")
    return fold(value).upper()


def parse_cell(value: object, column: Column) -> object:
    """The `dossier/1` value of a non-blank cell; dates come back as ISO strings."""
    kind = column.kind
    if kind == "date":
        return parse_date(value).isoformat()
    if kind == "dates":
        return [d.isoformat() for d in parse_dates(value)]
    if kind == "int":
        return parse_int(value)
    if kind == "number":
        return parse_number(value)
    if kind == "bool":
        return parse_bool(value)
    if kind == "choice":
        return parse_choice(value, column)
    if kind == "multi":
        return parse_multi(value, column)
    if kind == "id_number":
        return parse_id_number(value)
    if kind == "step":
        return parse_step(value)
    if kind == "material":
        text = fold(display(value))
        return _folded_choices(column).get(text, text)
    return parse_text(value)


def parse_step(value: object) -> tuple[str, int]:
    """A step named by number (“15”), id, or name; “延长后21” is the second probation cycle."""
    from checklists.loader import default_catalogue
    from workflow.spreadsheet.columns import CATALOGUE_RULE_SET, SECOND_CYCLE

    text = re.sub(r"\s+", "", fold(display(value)))
    cycle = 1
    if text.startswith(SECOND_CYCLE):
        cycle, text = 2, text[len(SECOND_CYCLE):]
    steps = default_catalogue().get(CATALOGUE_RULE_SET).steps
    for step in steps:
        short = step.id.split("_")[0]
        if text in (step.id, short, str(step.number), f"{step.number:02d}", f"{step.number:02d}{step.name}",
                    f"{step.number}{step.name}"):
            return step.id, cycle
    named = [s for s in steps if s.name == text]
    if len(named) == 1:
        return named[0].id, cycle
    raise CellProblem("STEP_UNKNOWN", "无法识别的步骤，请填步骤编号（1–25）" + ("，同名步骤请写编号" if named else ""))
