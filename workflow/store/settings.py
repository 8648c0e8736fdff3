"""One settings class for the whole application, read from `FAZHAN_*` environment variables."""
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


def get_settings() -> Settings:
    return Settings()
