"""Resident identity numbers (GB 11643-1999): checked on the way in, masked on the way out.

The full number is personal data: it is kept in the dossier and its export, shown masked in every
listing and never put into an error message or a log line.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from workflow.errors import InputError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def validate_id_number(value: str, birth_date: dt.date | None, *, path: str = "$.person.id_number") -> str:
    """Returns the normalised number (upper-case X) or raises InputError without echoing the number."""
    number = value.strip().upper() if isinstance(value, str) else value
    if not isinstance(number, str) or not _SHAPE.match(number):
        raise InputError("身份证号码应为 18 位（前 17 位为数字，末位为数字或 X）", code="ID_NUMBER_INVALID",
                         path=path, field="id_number")
    if check_digit(number[:17]) != number[17]:
        raise InputError("身份证号码校验位不正确", code="ID_NUMBER_INVALID", path=path, field="id_number")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InputError("身份证号码中的出生日期不存在", code="ID_NUMBER_INVALID", path=path,
                         field="id_number") from None
    if birth_date is not None and born != birth_date:
        raise InputError("身份证号码中的出生日期与本人出生日期不一致", code="ID_NUMBER_MISMATCH", path=path,
                         field="id_number")
    return number


def mask_id_number(value: str | None) -> str | None:
    """`330106200403021234` → `3301**********1234`."""
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


# An ID-number-shaped run: 17 digits and a digit or X, not part of a longer word or number (a SHA-256
# hex digest or a 19-digit timestamp is left alone). The check digit is not required: a mistyped number
# is as personal as a valid one.
_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")


def redact_id_numbers(value):
    """Masks every ID-number-shaped run in a string, or in the strings of nested lists, dicts and dataclasses.

    Used on everything that leaves for a person or a log (error answers, log lines), so a number
    typed into the wrong field is never echoed back whatever message quoted it.
    """
    if isinstance(value, str):
        return _IN_TEXT.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(2), value) if len(value) >= 18 else value
    if type(value) is dict:
        return {k: redact_id_numbers(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(redact_id_numbers(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # e.g. a web page's Problem
        return dataclasses.replace(value, **{f.name: redact_id_numbers(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    return value


def is_id_number(value: str) -> bool:
    """True when `value` is a well-formed ID number (shape and check digit), e.g. typed as a dossier id."""
    number = value.strip().upper() if isinstance(value, str) else ""
    return bool(_SHAPE.match(number)) and check_digit(number[:17]) == number[17]
