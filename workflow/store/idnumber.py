"""Resident identity numbers (GB 11643-1999): checked on the way in, masked on the way out.

The full number is personal data: it is kept in the dossier and its export, shown masked in every
listing and never put into an error message or a log line.
"""
from __future__ import annotations

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
