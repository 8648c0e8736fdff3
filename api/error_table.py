"""One table for every expected failure: the HTTP status it answers with, whether the person asking can
put it right (their input, their rights) or it is ours to fix, and the heading a page shows above it.

The API's exception handlers (api/errors.py), the document routes (api/routes_documents.py) and the
web pages (api/web/common.py: `fail`, `attempt`, `PageError`) all read it, so a refusal answers the
same wherever it is raised. An error is looked up by its stable `code` first (a document error coming
back from a worker process arrives as a plain FazhanError carrying its code), then by the nearest class
of the domain's error families, then `DEFAULT`.

It lives in `api` because statuses and page headings belong to the edge: `workflow` and `documents`
raise errors with codes and know nothing of HTTP. Document errors are keyed by code, so importing this
table does not load the rendering stack.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from checklists.errors import ChecklistError, FazhanError
from workflow.errors import InputError, ReasonRequired, StepRefused
from workflow.store.errors import Conflict, Forbidden, MaterialCorrupt, NotFound, Unauthorised

YOURS = "无法完成"  # a refusal the person can act on: their input, their rights, the record's state
OURS = "系统出错"  # nothing the person did: stored data, templates, the server
SIGN_IN = "请先登录"
LATER = "请稍后再试"


@dataclass(frozen=True)
class Answer:
    """How one kind of failure is answered."""

    status: int
    users_fault: bool  # True: shown beside what was typed; False: the error page, and it is logged for us
    heading: str  # the page's heading above the message


def _yours(status: int) -> Answer:
    return Answer(status, True, YOURS)


def _ours(status: int) -> Answer:
    return Answer(status, False, OURS)


DEFAULT = _yours(400)  # a FazhanError nobody listed: the request was refused as it stands

BY_CODE: dict[str, Answer] = {
    # uploads
    "MATERIAL_TOO_LARGE": _yours(413),
    "MATERIAL_TYPE": _yours(415),
    "MATERIAL_EMPTY": _yours(422),
    # the record's state does not allow it (now): the request was well-formed
    "STEP_ALREADY_RECORDED": _yours(409),
    "ALREADY_REVIEWED": _yours(409),
    "EVENT_NOT_ALLOWED": _yours(409),
    "STEP_NOT_AVAILABLE": _yours(409),
    "RANKING_ALTERED": _ours(409),
    "INTEGRITY_BROKEN": _ours(409),  # the event chain of a dossier fails its check (workflow/store/ledger.py)  # the published ranking no longer matches its SHA-256
    "LOGIN_LOCKED": Answer(429, True, LATER),
    # documents (documents/errors.py)
    "FORM_UNKNOWN": _yours(404),
    "FORM_NOT_APPLICABLE": _yours(404),
    "ARCHIVE_INCOMPLETE": _yours(409),
    "MATERIAL_FILE_MISSING": _ours(409),
    "MATERIAL_ALTERED": _ours(409),
    "BUNDLE_UNREADABLE": _yours(422),
    "BUNDLE_ALTERED": _yours(422),
    "DOCUMENT_ERROR": _ours(500),
    "TEMPLATE_VARIABLE_MISSING": _ours(500),
    "TEMPLATE_MISSING": _ours(500),
    "GLYPH_MISSING": _ours(500),
    "RENDER_FAILED": _ours(500),
    "OUTPUT_UNWRITABLE": _ours(500),
}

BY_CLASS: tuple[tuple[type[FazhanError], Answer], ...] = (  # nearest first: a subclass before its base
    (NotFound, _yours(404)),
    (Forbidden, _yours(403)),
    (Unauthorised, Answer(401, True, SIGN_IN)),
    (MaterialCorrupt, _ours(409)),  # stored bytes no longer match their SHA-256
    (Conflict, _yours(409)),
    (ReasonRequired, _yours(422)),
    (StepRefused, _yours(422)),
    (InputError, _yours(422)),
    (ChecklistError, _yours(422)),
)


def answer_for(exc: FazhanError) -> Answer:
    """The row for this error: by its code, else by its family, else `DEFAULT`."""
    found = BY_CODE.get(exc.code)
    if found is not None:
        return found
    for cls, answer in BY_CLASS:
        if isinstance(exc, cls):
            return answer
    return DEFAULT


def status_for(exc: FazhanError) -> int:
    return answer_for(exc).status


def heading_for_status(status: int) -> str:
    """The heading of a page refused by status alone (an unknown address, a malformed form)."""
    if status == 401:
        return SIGN_IN
    if status in (429, 503):
        return LATER
    return OURS if status >= 500 else YOURS


# ---------------------------------------------------------------- answers without a FazhanError

@dataclass(frozen=True)
class Fixed:
    """An answer with its own code and message: for the HTTP layer's refusals and exceptions raised
    below the domain (the database's), which carry no code of ours. `log` names it in a warning
    (never the statement or its values: they carry personal data)."""

    status: int
    code: str
    message: str
    users_fault: bool
    log: str | None = None
    retry_after: int | None = None  # seconds a client should wait before trying again
    page: str | None = None  # a web page's wording where it differs from the API's ("该页面" for "该地址")


HTTP_STATUS: dict[int, Fixed] = {
    400: Fixed(400, "REQUEST_MALFORMED", "请求体无法解析", True),
    401: Fixed(401, "UNAUTHORISED", "未登录或登录已过期，请重新登录", True),
    403: Fixed(403, "FORBIDDEN", "无权执行此操作", True),
    404: Fixed(404, "NOT_FOUND", "找不到该地址", True, page="找不到该页面"),
    405: Fixed(405, "METHOD_NOT_ALLOWED", "该地址不支持此请求方法", True, page="该页面不支持此操作"),
    413: Fixed(413, "REQUEST_TOO_LARGE", "请求过大", True),
    415: Fixed(415, "UNSUPPORTED_MEDIA_TYPE", "不支持的内容类型", True),
}
HTTP_OTHER = ("HTTP_ERROR", "请求无法处理")  # the code and message of any other status


def page_message(status: int) -> str:
    """What the error page of a refusal by status alone says (an unknown page, a method it lacks)."""
    known = HTTP_STATUS.get(status)
    return (known.page or known.message) if known else HTTP_OTHER[1]

FOREIGN: tuple[tuple[type[BaseException], Fixed], ...] = (  # for whatever got past the checks before them
    (IntegrityError, Fixed(409, "CONFLICT", "该记录已存在，或刚被其他操作修改，请刷新后重试", True, "integrity error")),
    (DataError, Fixed(422, "VALUE_OUT_OF_RANGE", "有数值或文字超出数据库可保存的范围", True, "data error")),
    (OverflowError, Fixed(422, "VALUE_OUT_OF_RANGE", "数值过大", True)),
    (OperationalError, Fixed(503, "DATABASE_BUSY", "数据库正忙或暂时不可用，请稍后重试", False, "database unavailable",
                               retry_after=2)),
)
UNEXPECTED = Fixed(500, "INTERNAL_ERROR", "服务器内部错误，请联系管理员", False, "unexpected error")
