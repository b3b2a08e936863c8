"""Settings, read once from the environment (and an optional `.env` file)."""

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from annotated_types import Ge, Le
from limits import parse_many
from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.errors import pydantic_message

# The project folder's data/, where `make run` has always put it: the same file from any
# folder. (The app already runs from the project folder, editable-installed: it finds its
# migrations/ and seed/ there.) The Dockerfile sets DATABASE_URL.
DEFAULT_SQLITE_PATH = Path(__file__).resolve().parent.parent / "data" / "diplomacy.db"


def _listed(value: Any) -> Any:
    """A list setting as people write it: plain values separated by commas (`*`,
    `https://a.example,https://b.example`), or a JSON list (`["*"]`)."""
    if not isinstance(value, str):
        return value
    if value.strip().startswith("["):
        try:
            return json.loads(value)
        except ValueError as error:
            raise ValueError(f"not a JSON list ({error})") from error
    return [part.strip() for part in value.split(",") if part.strip()]


# A list setting: the model's settings are never JSON-decoded (`enable_decoding=False`), so a
# plain value reaches this parser instead of failing in pydantic-settings' JSON step.
TextList = Annotated[list[str], BeforeValidator(_listed)]


class Settings(BaseSettings):
    """Every setting the service reads; the README lists them."""

    # No setting is JSON-decoded on its way in: list settings parse their own notation (TextList).
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", enable_decoding=False)

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH.as_posix()}",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db. "
        "Default: SQLite in the project folder's data/, whatever the current folder.",
    )
    host: str = Field(default="127.0.0.1", description="Address `diplo serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `diplo serve` binds to.")
    workers: int = Field(default=1, ge=1, description="uvicorn worker processes.")
    worker_healthcheck_timeout: int = Field(
        default=60,
        ge=1,
        description="Seconds a worker may take to answer uvicorn's health check (with WORKERS > 1) "
        "before it is replaced; a worker still importing the app on a loaded machine is not dead.",
    )
    seed_on_start: bool = Field(
        default=True, description="`diplo serve` loads the seed when the database is empty."
    )
    datasets: TextList = Field(
        default=["all"],
        description="The bundled data sets `diplo serve` loads (in the background, `/readyz` "
        "503 until done) when the database does not hold them as bundled: `all`, `none`, or "
        "names, comma-separated (`diplo datasets list`).",
    )
    db_pool_size: int = Field(
        default=5, ge=1, description="Connections per worker for requests (no more are opened)."
    )
    db_connect_timeout: int = Field(
        default=5, ge=1, description="Seconds to wait for a database connection."
    )
    export_batch_size: int = Field(
        default=2000, ge=1, le=100_000, description="Rows per query when streaming CSV/NDJSON."
    )
    cors_origins: TextList = Field(
        default=["*"],
        description="Origins allowed to read from a browser, separated by commas "
        '(`*`, `https://a.example,https://b.example`) or as a JSON list (`["*"]`).',
    )
    cache_max_age: int = Field(
        default=5,
        ge=0,
        le=31_536_000,
        description="Seconds a shared cache may keep an anonymous GET's answer (Cache-Control); "
        "0: revalidate every time.",
    )
    require_if_match: bool = Field(
        default=False,
        description="Refuse a PATCH or DELETE of a record that does not send the ETag it read in "
        "`If-Match` (428 Precondition Required), so that no change overwrites one its author "
        "has not seen; off: `If-Match` is optional.",
    )
    log_level: str = Field(default="info", description="uvicorn log level.")
    access_log: bool = Field(
        default=True, description="Write one JSON line a request to standard output."
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=0, description="Largest request body (bytes); more is a 413."
    )
    max_import_bytes: int = Field(
        default=33_554_432, ge=0, description="Largest body of a `/import` request (bytes)."
    )
    rate_limit_per_address: str = Field(
        default="",
        description='Requests to /v1 per client address, e.g. "600/minute" or '
        '"20/second;600/minute"; empty: no limit.',
    )
    rate_limit_per_key: str = Field(
        default="",
        description='Requests to /v1 per API key (the `Authorization` bearer), e.g. "600/minute" '
        'or "20/second;600/minute"; empty: no limit.',
    )
    redis_url: str = Field(
        default="",
        description="redis://host:port/db to share rate-limit counters across workers and "
        "containers; empty: counted in each process.",
    )
    rate_limit_prefix: str = Field(
        default="diplomacy-api", description="Prefix of the rate-limit keys in Redis."
    )

    response_cache_entries: int = Field(
        default=2048,
        ge=0,
        description="Answers to anonymous GETs each worker keeps until the data they show "
        "changes (read-your-writes on the worker that wrote, others' writes as soon as it reads "
        "their change), and as many parts of relations; 0: none kept.",
    )
    search_common_entries: int = Field(
        default=5000,
        ge=0,
        description="A word in at least this many entries of the search index is kept ranked "
        "ahead, so that a search for it reads its best entries first instead of scoring every "
        "one, and so is a prefix searched (`charg*`) in a quarter as many "
        '(docs/search.md, "Common words"); 0: none kept.',
    )
    search_refresh_seconds: float = Field(
        default=30,
        gt=0,
        le=3600,
        description="How often a worker looks for common words whose entries have changed, "
        "and keeps them afresh.",
    )
    stream_max: int = Field(
        default=2000,
        ge=1,
        description="Change streams (`/v1/changes/stream`) one worker keeps open; past it, a "
        "503 with Retry-After.",
    )
    stream_heartbeat_seconds: float = Field(
        default=15,
        gt=0,
        le=3600,
        description="Seconds between a stream's heartbeats (an SSE comment), so that proxies "
        "keep it open and a gone client is noticed.",
    )
    facet_time_limit_ms: int = Field(
        default=1000,
        ge=1,
        le=60_000,
        description="How long one facet of a list may count (`?facet=`) before it is answered "
        "as cut short (`facet_info`), in milliseconds.",
    )
    search_time_limit_ms: int = Field(
        default=2000,
        ge=1,
        le=60_000,
        description="How long one search may run (`/v1/search`, a list's `q`) before it is "
        "refused with a 422 that says so (`search_took_too_long`), in milliseconds: a query of "
        "many broad words and prefixes would otherwise hold a worker for seconds.",
    )
    stream_poll_seconds: float = Field(
        default=0.1,
        gt=0,
        le=60,
        description="On SQLite, how often a worker checks the change log's newest id for "
        "changes other processes wrote (PostgreSQL's workers are woken by LISTEN/NOTIFY, and "
        "check every second in case a notification was lost).",
    )
    stream_send_timeout: float = Field(
        default=10,
        gt=0,
        description="Seconds a stream may wait for a slow client to take an event; then the "
        "client is dropped (it reconnects with Last-Event-ID and misses nothing).",
    )

    @field_validator("database_url")
    @classmethod
    def _normalize_driver(cls, value: str) -> str:
        # People paste the URL their hosting gives them; make it use the driver we ship.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        if not value.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError("DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL")
        return value

    @field_validator("rate_limit_per_address", "rate_limit_per_key")
    @classmethod
    def _rate_limit_notation(cls, value: str) -> str:
        if value.strip():
            parse_many(value)  # a ValueError names what it could not read
        return value.strip()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_problem(error: ValidationError) -> str:
    """What is wrong with the settings, as one paragraph: each wrong variable with the value it
    has (no password), why that is refused, and what it takes."""
    sentences = []
    for problem in error.errors():
        field, *inner = problem["loc"]
        name, info = str(field).upper(), Settings.model_fields[str(field)]
        value = _shown(str(field), problem["input"])
        where = f"{name} (item {int(inner[0]) + 1}: {value})" if inner else f"{name}={value}"
        reason = pydantic_message(problem)
        if reason[1:2].islower():  # pydantic's "Input should …", not "DATABASE_URL must …"
            reason = reason[0].lower() + reason[1:]
        about = str(info.description).rstrip(".")
        if "default" not in about.lower():
            about += f"; {_kind(info)}default {_shown(str(field), info.default)}"
        sentences.append(f"{where} is refused: {reason}. {name}: {about}.")
    if len(sentences) == 1:
        wrong, fix = "A setting is", "Change it, or unset it for the default."
    else:
        wrong, fix = f"{len(sentences)} settings are", "Change them, or unset them for defaults."
    return f"{wrong} wrong (read from the environment or a .env file): {' '.join(sentences)} {fix}"


def _kind(info: FieldInfo) -> str:
    """What a number or switch takes, as a prefix of its default ("" for text and lists,
    whose descriptions say)."""
    if info.annotation is bool:
        return "true or false, "
    if info.annotation is not int:
        return ""
    low = next((m.ge for m in info.metadata if isinstance(m, Ge)), None)
    high = next((m.le for m in info.metadata if isinstance(m, Le)), None)
    if low is not None and high is not None:
        return f"a whole number from {low} to {high}, "
    return f"a whole number of at least {low}, " if low is not None else "a whole number, "


def _shown(field: str, value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value) or "empty"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str) and field.endswith("_url") and value:
        try:
            value = make_url(value).render_as_string(hide_password=True)
        except ArgumentError:
            return "(not a URL)"
    return repr(value) if value != "" else "empty"
