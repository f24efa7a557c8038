"""Settings: defaults, environment, TOML file, precedence, validation and masking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exchange.errors import ConfigError
from exchange.settings import MASK, Settings, load_settings, mask_url, setting_env_names


def test_defaults_put_everything_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.home_jurisdiction == "BE"
    assert settings.effective_database_url == f"sqlite:///{tmp_path}/exchange.db"
    assert settings.effective_keys_dir == tmp_path / "keys"
    assert settings.effective_partners_dir == tmp_path / "partners"
    assert settings.effective_claim_check_dir == tmp_path / "claims"


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "nl")
    monkeypatch.setenv("EXCHANGE_TOPIC_PARTITIONS", "12")
    settings = load_settings()
    assert settings.home_jurisdiction == "NL"
    assert settings.topic_partitions == 12


def test_toml_file_is_read_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "exchange.toml"
    config.write_text('home_jurisdiction = "LU"\nkafka_bootstrap_servers = "kafka:9092"\n')
    monkeypatch.setenv("EXCHANGE_CONFIG", str(config))
    assert load_settings().home_jurisdiction == "LU"
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "NL")
    settings = load_settings()
    assert settings.home_jurisdiction == "NL"
    assert settings.kafka_bootstrap_servers == "kafka:9092"


def test_explicit_overrides_win_over_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXCHANGE_LOG_LEVEL", "debug")
    assert load_settings(log_level="error").log_level == "error"
    assert load_settings(log_level=None).log_level == "debug"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("EXCHANGE_HOME_JURISDICTION", "Belgium", "two-letter ISO"),
        ("EXCHANGE_TOPIC_PARTITIONS", "zero", "EXCHANGE_TOPIC_PARTITIONS"),
        ("EXCHANGE_TOPIC_PARTITIONS", "0", "greater than or equal to 1"),
        ("EXCHANGE_LOG_LEVEL", "loud", "one of debug"),
        ("EXCHANGE_DATABASE_URL", "not a url", "not a valid database URL"),
    ],
)
def test_bad_values_are_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unknown_key_in_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "exchange.toml"
    config.write_text('home_jurisdicton = "LU"\n')
    with pytest.raises(ConfigError, match=r"home_jurisdicton.*not a known setting"):
        load_settings(config)


def test_a_config_file_is_read_for_that_load_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXCHANGE_CONFIG", raising=False)
    config = tmp_path / "exchange.toml"
    config.write_text('home_jurisdiction = "LU"\n')
    assert load_settings(config).home_jurisdiction == "LU"
    assert "EXCHANGE_CONFIG" not in os.environ
    assert load_settings().home_jurisdiction != "LU"  # a later load, without --config, does not see it


def test_missing_and_malformed_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("home_jurisdiction = \n")
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_settings(broken)


def test_secrets_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", "postgresql://exchange:s3cret@db:5432/exchange")
    monkeypatch.setenv("EXCHANGE_KEY_PASSPHRASE", "hunter2")
    shown = load_settings().masked()
    assert "s3cret" not in str(shown) and "hunter2" not in str(shown)
    assert shown["key_passphrase"] == MASK
    assert shown["database_url"] == "postgresql://exchange:***@db:5432/exchange"


def test_mask_url_leaves_passwordless_urls_alone() -> None:
    assert mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_env_names_cover_every_field() -> None:
    names = setting_env_names()
    assert "EXCHANGE_HOME_JURISDICTION" in names and "EXCHANGE_CONFIG" in names
    assert len(names) == len(Settings.model_fields) + 1
