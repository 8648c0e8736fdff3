"""The password policy: at least 10 characters, not the login name, not common or easily guessed.

"Common" is judged by zxcvbn (Dropbox's estimator, maintained as the `zxcvbn` package): it knows the
30,000 most used passwords, keyboard walks, repeats, sequences, dates and l33t spellings, and is
given the login, the person's name and the application's own words, so the user `zuzhi` cannot
choose `zuzhi12345`. A password it expects to fall within 10^8 guesses (its score
2 or lower) is refused; the message says which kind of weakness it found, in Chinese.
"""
from __future__ import annotations

from zxcvbn import zxcvbn

from workflow.errors import InputError

MIN_LENGTH = 10
MAX_LENGTH = 200
MIN_SCORE = 3
APP_WORDS = ("fazhan", "dangjian", "dangyuan", "dangwei", "zhibu", "zuzhi", "shenhe", "admin", "password")
_PATTERN_HINTS = {
    "dictionary": "常用密码或常见单词",
    "spatial": "键盘上相邻的按键",
    "repeat": "重复的字符或片段",
    "sequence": "连续的字母或数字",
    "date": "日期",
    "regex": "年份等规律",
}


def check_password(password: object, *, login: str | None = None, name: str | None = None) -> str:
    """Returns the password if the policy accepts it, else raises InputError PASSWORD_WEAK (never quoting it)."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise InputError(f"密码至少 {MIN_LENGTH} 位", code="PASSWORD_WEAK", field="password")
    if len(password) > MAX_LENGTH:
        raise InputError(f"密码最多 {MAX_LENGTH} 位", code="PASSWORD_WEAK", field="password")
    if login and password.strip().casefold() == login.strip().casefold():
        raise InputError("密码不能与用户名相同", code="PASSWORD_WEAK", field="password")
    inputs = [w for w in (login, name, *APP_WORDS) if w]
    result = zxcvbn(password[:72], user_inputs=inputs)
    if result["score"] < MIN_SCORE:
        found = []
        for match in result["sequence"]:
            pattern = match.get("pattern")
            hint = ("用户名或姓名" if pattern == "dictionary" and match.get("dictionary_name") == "user_inputs"
                    else _PATTERN_HINTS.get(pattern))
            if hint and hint not in found:
                found.append(hint)
        because = f"（含有{'、'.join(found)}）" if found else ""
        raise InputError(f"密码太常见或太容易猜到{because}，请换一个更长、更不规则的密码，例如几个不相关的词加数字",
                         code="PASSWORD_WEAK", field="password")
    return password
