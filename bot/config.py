"""Configuration: one validated settings model, read from the environment or a `.env` file."""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")
SUPPORTED_LANGUAGES = ("id", "en")
OFFICIAL_API_HOST = "api.telegram.org"
SECRET_KEY_MIN = 32  # characters: what `openssl rand -hex 16` gives, 128 bits

TOKEN_HELP = (
    "Open Telegram, talk to @BotFather, send /newbot and follow the steps; "
    "it replies with a token such as 123456789:AAE... . Put it in BOT_TOKEN "
    "(environment variable or the .env file; see .env.example)."
)


S = TypeVar("S", bound="StoreSettings")


class ConfigError(Exception):
    """Raised with a message meant for the operator when the configuration is unusable."""


class StoreSettings(BaseSettings):
    """What commands that only touch the database need (no bot token)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///quickwin.db"
    telegram_api_url: str = "https://api.telegram.org"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_language: str = "id"
    log_level: str = "INFO"
    log_libraries: str = "INFO"  # python-telegram-bot, aiohttp, SQLAlchemy…: DEBUG shows requests and updates
    quiet_hours: str = "21-7"  # local hours when announcements wait; empty: no quiet hours
    broadcast_rate: float = Field(default=25.0, gt=0, le=1000)
    broadcast_paid: bool = False
    processes: int = Field(default=1, ge=1, le=64)  # processes serving the bot without Redis: each takes 1/N
    redis_url: str | None = None  # shared budget for several processes
    # Telegram's own limits; change them only for a test server without flood control (the benchmarks' fake).
    telegram_rate: float = Field(default=28.0, gt=0, le=1000)  # messages/s for the whole bot (Telegram: about 30)
    telegram_chat_rate: float = Field(default=1.0, gt=0)  # messages/s to one private chat, sustained
    telegram_chat_burst: int = Field(default=2, ge=1, le=20)  # messages to one private chat at once
    telegram_group_per_minute: float = Field(default=16.0, gt=0)  # to one group (Telegram: 20)
    telegram_retry_seconds: float = Field(default=600.0, ge=1)  # how long a call is retried after failures
    # Comments and replies older than this are anonymised, and residents silent this long removed (bot/workers/).
    retention_months: int = Field(default=24, ge=1, le=240)
    # Working days for the first answer to a comment (an admin may set a region's own: quickwin region set-days).
    answer_days: int = Field(default=5, ge=1, le=60)
    # Where residents' photos are kept; empty: in the database (table evidence).
    evidence_dir: str | None = None
    # Open data (`quickwin opendata`, README "Open data"): the body that publishes the files (the produsen data of
    # Satu Data Indonesia's metadata), how to reach it about them, and the licence (a CKAN licence id).
    opendata_producer: str | None = None  # e.g. "Dinas Komunikasi dan Informatika Kota Bandung"
    opendata_contact: str | None = None  # e.g. "data@bandung.go.id"
    opendata_license: str = "cc-by"  # Creative Commons Attribution 4.0; cc-zero, odc-by, ... as the portal lists them

    @field_validator("opendata_license")
    @classmethod
    def _licence(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,40}", value):
            raise ValueError("OPENDATA_LICENSE must be a licence id as CKAN lists them, e.g. cc-by (CC BY 4.0)")
        return value

    @field_validator("opendata_producer", "opendata_contact")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return " ".join(value.split()) or None if value is not None else None

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must look like redis://127.0.0.1:6379/0")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"([01]?\d|2[0-3])-([01]?\d|2[0-3])", value):
            raise ValueError("QUIET_HOURS must look like 21-7 (from 21:00 to 07:00 local time), or be empty")
        return value

    @property
    def quiet_window(self) -> tuple[int, int] | None:
        if not self.quiet_hours:
            return None
        start, end = (int(h) for h in self.quiet_hours.split("-"))
        return (start, end) if start != end else None  # 7-7 is an empty window: never quiet

    @field_validator("log_level", "log_libraries")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        value = value.strip()
        # Accept the everyday spellings and pick the async driver the code needs.
        for plain, driver in (
            ("sqlite:///", "sqlite+aiosqlite:///"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
        ):
            if value.startswith(plain):
                return driver + value[len(plain):]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("DATABASE_URL must be sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_root(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("TELEGRAM_API_URL must start with http:// or https://")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> frozenset[int]:
        if value is None or value == "":
            return frozenset()
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
        elif isinstance(value, (list, tuple, set, frozenset)):
            parts = [str(p).strip() for p in value]
        else:
            parts = [str(value)]
        ids = set()
        for part in parts:
            if not part.isdigit() or int(part) <= 0:
                raise ValueError(f"ADMIN_IDS must be comma-separated numeric Telegram user ids; got {part!r}")
            ids.add(int(part))
        return frozenset(ids)

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"DEFAULT_LANGUAGE must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value


class Settings(StoreSettings):
    """Everything the bot reads from its environment."""

    bot_token: SecretStr = Field(description="Bot token from @BotFather")
    secret_key: SecretStr | None = None  # keys residents' pseudonyms and signed buttons
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    public_url: str | None = None  # where officials reach the dashboard; default: WEBHOOK_URL's origin
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    # Abuse limits (bot/services/quota.py, README "Security and abuse"); 0 switches a limit off.
    comments_per_hour: int = Field(default=10, ge=0)  # one resident's comments and replies, last 60 minutes
    comments_per_day: int = Field(default=30, ge=0)  # the same, last 24 hours
    region_comments_per_hour: int = Field(default=500, ge=0)  # every resident of one region together
    tickets_per_program_per_day: int = Field(default=3, ge=0)  # ratings of one program by one resident, 24 hours
    messages_per_minute: int = Field(default=20, ge=0)  # updates from one person; beyond: one notice, then a pause
    flood_pause_seconds: int = Field(default=60, ge=1, le=3600)  # how long a flood's further updates are ignored
    # Who is responsible for the data (pengendali data pribadi, UU No. 27/2022) and how to reach them: named in
    # the privacy notice; required to run against Telegram's own Bot API (require_data_controller).
    data_controller: str | None = None
    data_controller_contact: str | None = None

    @field_validator("webhook_url", "public_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be a full URL such as https://bot.example.go.id/telegram")
        return value

    @field_validator("secret_key")
    @classmethod
    def _deployment_key(cls, value: SecretStr | None) -> SecretStr | None:
        # Unset: a random key is generated on the first start and kept in the database (bot/services/keyring.py).
        if value is None or not value.get_secret_value().strip():
            return None
        secret = value.get_secret_value().strip()
        if len(secret) < SECRET_KEY_MIN:
            raise ValueError(f"SECRET_KEY must be at least {SECRET_KEY_MIN} characters (openssl rand -hex 32), "
                             "or left unset to have one generated and stored in the database")
        return SecretStr(secret)

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET must be 16–256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set (e.g. openssl rand -hex 32)")
        if self.webhook_url and not self.webhook_url.startswith("https://") and self.official_api:
            raise ValueError(
                "WEBHOOK_URL must use https:// with Telegram's own Bot API (http:// works only with a "
                "self-hosted Bot API server in TELEGRAM_API_URL)"
            )
        return self

    def require_data_controller(self) -> None:
        """The bot is in production when it talks to Telegram's own Bot API: the notice must name the controller."""
        missing = [name for name, value in (("DATA_CONTROLLER", self.data_controller),
                                            ("DATA_CONTROLLER_CONTACT", self.data_controller_contact))
                   if not (value and value.strip())]
        if missing and self.official_api:
            raise ConfigError(
                "Configuration problem:\n  " + " and ".join(missing) + " must be set: the privacy notice names who "
                "is responsible for residents' data and how to reach them (e.g. DATA_CONTROLLER=\"Dinas Kominfo "
                "Kota Bandung\", DATA_CONTROLLER_CONTACT=\"ppid@bandung.go.id\")"
            )

    @property
    def official_api(self) -> bool:
        """Telegram's public Bot API (not a self-hosted server)."""
        return urlsplit(self.telegram_api_url).hostname == OFFICIAL_API_HOST

    @property
    def dashboard_url(self) -> str:
        """The dashboard's public root, for the login links sent in the chat."""
        if self.public_url:
            return self.public_url
        if self.webhook_url:
            parts = urlsplit(self.webhook_url)
            return f"{parts.scheme}://{parts.netloc}"
        return f"http://{self.web_host}:{self.web_port}"

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url).path or "/" if self.webhook_url else "/telegram/webhook"

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not TOKEN_PATTERN.match(value.get_secret_value().strip()):
            raise ValueError("BOT_TOKEN does not look like a Telegram bot token (digits, a colon, then letters)")
        return SecretStr(value.get_secret_value().strip())

    @property
    def bot_api_base_url(self) -> str:
        return f"{self.telegram_api_url}/bot"

    @property
    def bot_api_file_url(self) -> str:
        return f"{self.telegram_api_url}/file/bot"


def load_settings(kind: type[S] = Settings, **overrides: Any) -> S:  # type: ignore[assignment]
    """Read and validate the settings; turn every problem into one clear operator message."""
    try:
        return kind(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else ""
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                lines.append(f"{name} is not set.")
            else:
                lines.append(f"{name}: {message}" if name else message)
            if name == "BOT_TOKEN":
                lines.append(TOKEN_HELP)
        raise ConfigError("Configuration problem:\n  " + "\n  ".join(lines)) from None
