"""The organisers' web workspace: server-rendered Chinese pages over the same use cases as the API."""
from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    from api.web.wiring import install as _install

    _install(app)
