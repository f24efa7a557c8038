"""The product's settings: one typed object read from `EXCHANGE_*` variables and an optional TOML file.

Precedence, highest first: explicit overrides (CLI flags), environment variables, the TOML file named by
`--config` or `EXCHANGE_CONFIG`, the defaults below.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from exchange.errors import ConfigError

ENV_PREFIX = "EXCHANGE_"
CONFIG_FILE_ENV = "EXCHANGE_CONFIG"
_config_file: ContextVar[str | None] = ContextVar("config_file", default=None)  # `--config`, while loading
MASK = "********"
_MIB = 1024 * 1024


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "exchange"


class Environment(StrEnum):
    """Whether this instance accepts production or test data (OECD 50010/50011)."""

    PRODUCTION = "production"
    TEST = "test"


class LogFormat(StrEnum):
    AUTO = "auto"  # readable on a terminal, JSON otherwise
    CONSOLE = "console"
    JSON = "json"


class Settings(BaseSettings):
    """Everything an operator can set. Field descriptions feed `exchange config` and the README table."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", validate_default=True)

    home_jurisdiction: str = Field("BE", description="ISO 3166-1 alpha-2 code of the jurisdiction we are.")
    environment: Environment = Field(
        Environment.PRODUCTION, description="production or test: which data this instance accepts."
    )
    data_dir: Path = Field(
        default_factory=default_data_dir, description="Where the SQLite store, keys and claim checks live."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: a SQLite file `exchange.db` in data_dir."
    )

    kafka_bootstrap_servers: str = Field("localhost:9092", description="Comma-separated host:port list.")
    kafka_consumer_group: str = Field("exchange", description="Consumer group of `exchange run`.")
    topic_inbound: str = Field("exchange.inbound", description="Packets from partner jurisdictions.")
    topic_status: str = Field("exchange.status", description="Status messages we send back.")
    topic_dlq: str = Field("exchange.dlq", description="What cannot be answered, with the reason in headers.")
    topic_flags: str = Field("exchange.flags", description="Flag events for case management.")
    topic_partitions: int = Field(6, ge=1, description="Partitions for topics created at start.")
    topic_replication_factor: int = Field(1, ge=1, description="Replication factor for created topics.")

    # Two-way exchange (issue 17): what domestic institutions submit, and our answers to them.
    topic_submissions: str = Field(
        "exchange.submissions", description="Domestic institutions' submissions, keyed by institution."
    )
    topic_submission_answers: str = Field(
        "exchange.submissions.answers",
        description="Signed status messages to domestic institutions, keyed by institution.",
    )
    topic_outbound: str = Field(
        "exchange.outbound",
        description="Our packets for partners (the transmission gateway), keyed by partner.",
    )
    submissions_consumer_group: str = Field(
        "exchange-submissions", description="Consumer group of `exchange submissions`."
    )

    keys_dir: Path | None = Field(
        None, description="Our private keys and certificates; default data_dir/keys."
    )
    partners_dir: Path | None = Field(
        None, description="Partner certificates per jurisdiction; default data_dir/partners."
    )
    key_passphrase: SecretStr | None = Field(None, description="Passphrase of our private keys, if any.")

    inline_packet_max_bytes: int = Field(
        8 * _MIB, ge=1, description="Packets above this size travel as a claim check, not inline."
    )
    claim_check_dir: Path | None = Field(
        None, description="Shared store for large packets; default data_dir/claims."
    )
    max_packet_bytes: int = Field(2048 * _MIB, ge=1, description="Largest packet accepted.")
    max_decompressed_bytes: int = Field(
        4096 * _MIB, ge=1, description="Largest inflated payload before 50003 (ZIP-bomb guard)."
    )
    max_compression_ratio: int = Field(200, ge=1, description="Largest inflated/compressed ratio accepted.")
    max_xml_depth: int = Field(64, ge=8, description="Deepest XML nesting accepted before 50005.")
    schema_dir: Path | None = Field(
        None,
        description="A folder of XML schemas (one subfolder per format, e.g. crs_v2/) to validate with "
        "instead of the product's own, such as the official OECD and IRS packages.",
    )
    allow_sha1_signatures: bool = Field(
        False, description="Accept XML signatures and digests that use SHA-1 (refused by default: 50004)."
    )
    # Keys and partner certificates (crypto/README.md).
    certificate_grace_days: int = Field(
        7,
        ge=0,
        le=90,
        description="Days after a partner certificate expired during which a file it signed is still "
        "accepted, if its FileCreateTs is before the expiry (FileCreateTs is unsigned: never longer).",
    )
    certificate_expiry_warning_days: int = Field(
        30,
        ge=0,
        description="`exchange partners list` and `exchange keys list` warn about certificates that expire "
        "within this many days.",
    )
    allow_insecure_key_files: bool = Field(
        False,
        description="Accept private key files that group or others may read or write (refused by "
        "default, naming the file), with a warning in the log.",
    )

    reconcile_match_probability: float = Field(
        0.9,
        gt=0,
        le=1,
        description="Posterior probability at which record linkage accepts its best candidate as the "
        "reported party (below it, the candidates go to an analyst).",
    )
    reconcile_candidate_probability: float = Field(
        0.05,
        gt=0,
        le=1,
        description="Smallest posterior probability for a taxpayer to be listed as a candidate.",
    )
    reconcile_max_candidates: int = Field(5, ge=1, description="Most candidates kept per reported party.")
    reconcile_max_block_size: int = Field(
        100,
        ge=1,
        description="Blocking keys shared by more taxpayers than this are not looked up (they say too little "
        "and cost the most); the keys combine a birth date with phonetic name codes, so blocks stay small "
        "at national size.",
    )

    flag_currency: str = Field(
        "EUR",
        description="Currency of the domestic returns: reported amounts in another currency are left out "
        "of the flags' amount comparisons.",
    )
    flag_undeclared_min_balance: Decimal = Field(
        Decimal(0),
        ge=0,
        description="DC01: smallest balance of an undeclared foreign account that is flagged.",
    )
    flag_income_gap_min: Decimal = Field(
        Decimal(100), ge=0, description="DC02: reported income of a kind must exceed the declared by more."
    )
    flag_income_gap_ratio: float = Field(
        0.1, ge=0, le=1, description="DC02: ... and by more than this share of the reported income."
    )
    flag_cohort_z: float = Field(
        3.5,
        gt=0,
        description="DC03: robust z-score of log(foreign balance / total income) within the income band "
        "above which a balance is out of proportion.",
    )
    flag_cohort_min_size: int = Field(
        20, ge=3, description="DC03: fewest holders in an income band to judge a balance against."
    )
    flag_income_bands: list[Decimal] = Field(
        default_factory=lambda: [Decimal(v) for v in (15000, 30000, 50000, 80000, 150000)],
        description="DC03: ascending edges of the declared total income bands (JSON list).",
    )
    flag_many_accounts_min: int = Field(
        5, ge=2, description="AC02: live foreign accounts of one holder in one year, across senders."
    )
    flag_closed_amount_min: Decimal = Field(
        Decimal(50000),
        ge=0,
        description="AC03: balance or payments of an account closed in the year from which it is flagged.",
    )
    flag_benefit_assets_min: Decimal = Field(
        Decimal(10000),
        ge=0,
        description="SB01: foreign balances of a means-tested benefit recipient from which it is flagged.",
    )
    flag_platform_benefit_min_income: Decimal = Field(
        Decimal(3000),
        ge=0,
        description="PF02: platform income in the year of a means-tested benefit from which it is flagged.",
    )
    flag_platform_combined_min: Decimal = Field(
        Decimal(10000),
        ge=0,
        description="PF04: platform income of a year that several platforms together reach while each "
        "stays under it.",
    )
    flag_platform_income_gap_min: Decimal = Field(
        Decimal(500),
        ge=0,
        description="PF01: platform income of a kind must exceed what the return declares of it by more.",
    )
    flag_platform_income_gap_ratio: float = Field(
        0.2, ge=0, le=1, description="PF01: ... and by more than this share of the platform income."
    )
    flag_rental_min_income: Decimal = Field(
        Decimal(1000),
        ge=0,
        description="PF03: a listing's platform income from which an undeclared property is flagged, and "
        "by more than which it must exceed the declared rent.",
    )
    flag_rental_gap_ratio: float = Field(
        0.2, ge=0, le=1, description="PF03: ... and by more than this share of the listing's income."
    )
    flag_rental_days_margin: int = Field(
        14, ge=0, description="PF03: days let through the platform beyond the declared days that are flagged."
    )
    flag_cbc_profit_ratio: float = Field(
        5.0,
        gt=1,
        description="CB02: profit per employee or per tangible asset of a jurisdiction above this multiple "
        "of the median of the group's other jurisdictions.",
    )
    flag_cbc_tax_accrued_ratio: float = Field(
        2.0, gt=1, description="CB03: income tax accrued above this multiple of the tax paid."
    )
    flag_cbc_tax_gap_min: Decimal = Field(
        Decimal(100000), ge=0, description="CB03: ... and above the tax paid by more than this amount."
    )
    flag_fi_min_records: int = Field(
        20, ge=1, description="FI01: fewest account reports of an institution in a year to judge it by."
    )
    flag_fi_amendment_share: float = Field(
        0.25,
        gt=0,
        le=1,
        description="FI01: share of corrections and deletions among an institution's reports that is "
        "flagged.",
    )
    flag_study_min_taxpayers: int = Field(
        5,
        ge=1,
        description="Study tables hide counts and amounts of cells with fewer taxpayers than this.",
    )

    # `exchange run`: group membership, retries, stopping and the broker check (consumers.runner).
    kafka_session_timeout_ms: int = Field(
        30_000,
        ge=1000,
        description="Consumer group session timeout: a member silent this long (killed, cut off) loses "
        "its partitions to the others.",
    )
    kafka_heartbeat_interval_ms: int = Field(
        3000,
        ge=100,
        description="Heartbeats to the group coordinator; a third of the session timeout or less.",
    )
    kafka_max_poll_interval_ms: int = Field(
        300_000,
        ge=1000,
        description="Longest time between polls before a member is dropped; the runner polls while a "
        "file is processed, so a long file does not count against it.",
    )
    kafka_static_membership: bool = Field(
        True,
        description="Join the consumer group as a static member (KIP-345, Kafka 2.3+), so a restarted "
        "`exchange run` takes its partitions back at once instead of after the session timeout.",
    )
    kafka_group_instance_id: str | None = Field(
        None,
        description="The static member's id, unique per process in the group; default: the host name "
        "(a container keeps it across restarts).",
    )
    retry_max_seconds: float = Field(
        30.0,
        gt=0,
        description="Longest wait between two attempts to reach the database or the broker (the wait "
        "starts at 0.5 s and doubles).",
    )
    stop_grace_seconds: float = Field(
        8.0,
        ge=1,
        description="After SIGTERM `exchange run` exits within this many seconds: the file in hand is "
        "finished if it can be, else left uncommitted and answered on redelivery. Keep it below the "
        "orchestrator's kill delay (Docker: 10 s).",
    )
    broker_check_seconds: float = Field(
        15.0,
        gt=0,
        description="How often `exchange run` checks that the broker answers and that its topics exist "
        "(recreating missing ones); also how old its view of the topics may grow.",
    )

    # `exchange serve`: the web console (exchange/console, README "The console").
    console_secret_file: Path | None = Field(
        None,
        description="File holding the key that signs the console's session and CSRF cookies; made "
        "(0600, random) on first use; default data_dir/console/secret. Consoles behind one address "
        "share it.",
    )
    console_session_minutes: int = Field(
        480, ge=1, le=10_080, description="A console login lasts this long, then asks for the password again."
    )
    console_login_max_failures: int = Field(
        5,
        ge=1,
        description="Failed console logins, per user name and per client address, after which logins are "
        "refused until console_login_window_seconds have passed.",
    )
    console_login_window_seconds: int = Field(
        900, ge=1, description="The window over which failed console logins are counted."
    )
    console_trusted_proxy_header: str | None = Field(
        None,
        description="Header in which a single-sign-on proxy names the authenticated user (e.g. "
        "X-Forwarded-User); believed only from console_trusted_proxies, and the user must exist "
        "(`exchange users add NAME --role ROLE --no-password`). Unset: password logins only.",
    )
    console_trusted_proxies: list[str] = Field(
        default_factory=list,
        description='Addresses or networks (JSON list, e.g. ["10.0.0.5", "10.1.0.0/16"]) of the '
        "proxies whose user header and X-Forwarded-Proto are believed.",
    )
    console_refresh_seconds: int = Field(
        5, ge=1, description="How often the console's overview refreshes itself while it is open."
    )

    log_level: str = Field("info", description="debug, info, warning or error.")
    log_format: LogFormat = Field(LogFormat.AUTO, description="auto, console or json.")
    metrics_port: int = Field(9464, ge=0, le=65535, description="Prometheus metrics port of `exchange run`.")

    @field_validator("home_jurisdiction")
    @classmethod
    def _iso_country(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError("must be a two-letter ISO 3166-1 country code, such as BE")
        return code

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().lower()
        if level not in {"debug", "info", "warning", "error"}:
            raise ValueError("must be one of debug, info, warning, error")
        return level

    @field_validator("flag_currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError("must be a three-letter ISO 4217 currency code, such as EUR")
        return code

    @field_validator("flag_income_bands")
    @classmethod
    def _ascending_bands(cls, value: list[Decimal]) -> list[Decimal]:
        if any(low >= high for low, high in pairwise(value)):
            raise ValueError("must be a list of ascending amounts, such as [15000, 30000]")
        return value

    @field_validator("console_trusted_proxies")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        import ipaddress

        for text in value:
            try:
                ipaddress.ip_network(text.strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"{text!r} is not an IP address or network such as 10.0.0.5 or 10.1.0.0/16"
                ) from None
        return [text.strip() for text in value]

    @field_validator("database_url")
    @classmethod
    def _parsable_url(cls, value: str | None) -> str | None:
        if value is not None:
            from sqlalchemy.engine import make_url  # here: `exchange validate` needs no database code

            try:
                make_url(value)
            except Exception as exc:  # SQLAlchemy raises ArgumentError with the URL in it: keep it out.
                raise ValueError("is not a valid database URL (dialect://user:password@host/db)") from exc
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
        config_file = _config_file.get() or os.environ.get(CONFIG_FILE_ENV)
        if config_file:
            sources += (TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)),)
        return sources

    # Derived locations: one place decides the defaults under data_dir.
    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'exchange.db'}"

    @property
    def effective_keys_dir(self) -> Path:
        return self.keys_dir or self.data_dir / "keys"

    @property
    def effective_partners_dir(self) -> Path:
        return self.partners_dir or self.data_dir / "partners"

    @property
    def effective_claim_check_dir(self) -> Path:
        return self.claim_check_dir or self.data_dir / "claims"

    @property
    def effective_console_secret_file(self) -> Path:
        return self.console_secret_file or self.data_dir / "console" / "secret"

    def masked(self) -> dict[str, Any]:
        """The effective settings as plain data, secrets replaced by a mask."""
        values: dict[str, Any] = self.model_dump(mode="json")
        values["database_url"] = mask_url(self.effective_database_url)
        values["keys_dir"] = str(self.effective_keys_dir)
        values["partners_dir"] = str(self.effective_partners_dir)
        values["claim_check_dir"] = str(self.effective_claim_check_dir)
        values["console_secret_file"] = str(self.effective_console_secret_file)
        values["key_passphrase"] = MASK if self.key_passphrase else None
        return values


def mask_url(url: str) -> str:
    """The URL with its password replaced by `***`, safe to print and log."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def setting_env_names() -> set[str]:
    """Every environment variable that maps to a setting, plus the config-file pointer."""
    return {ENV_PREFIX + name.upper() for name in Settings.model_fields} | {CONFIG_FILE_ENV}


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read the settings, turning every mistake into one ConfigError that names the setting."""
    if config_file is not None and not config_file.is_file():
        raise ConfigError(f"config file not found: {config_file}")
    # Handed to the sources through a context variable, not the process environment: a later
    # `load_settings` (another command in the same process, another test) must not inherit the file.
    token = _config_file.set(None if config_file is None else str(config_file))
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise ConfigError(f"cannot read the config file: {exc}") from None
    finally:
        _config_file.reset(token)


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "settings"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "is not a known setting"
        problems.append(f"{ENV_PREFIX}{field.upper()} ({field}) {message}")
    return "invalid settings: " + "; ".join(problems)
