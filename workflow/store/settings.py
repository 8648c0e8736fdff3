"""One settings class for the whole application, read from `FAZHAN_*` environment variables.

Nothing builds it but `workflow.bootstrap` (once per process); the edges ask `bootstrap.settings()`,
and a test passes its own `Settings(...)` to `create_app` or `bootstrap.settings_overridden`.
"""
from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAZHAN_", extra="ignore")

    database_url: str = "sqlite:///var/fazhan.db"
    max_upload_bytes: int = 20 * 1024 * 1024
    token_hours: int = 12
    db_pool_size: int = 20
    # the secret that seals the event chain; keep it where database access does not reach (workflow/store/keys.py)
    chain_key_file: str = "var/fazhan-chain.keys"
    # the inbox (issue 11): deadlines this many days ahead count as due; the e-mail digest is off until
    # an SMTP host is set (`fazhan inbox digest` run by cron; workflow/service_layer/inbox_mail.py)
    inbox_due_days: int = 30
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = ""
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    public_url: str = "http://127.0.0.1:8000"  # where links in a digest point
