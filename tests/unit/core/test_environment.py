"""The one typed reader of environment variables (`naadloos.core.environment`) that the bot side, the
live chat and the Chatwoot settings all read through: a bad value is refused with an error that
names the variable, and every local file derives from the one var folder (NAADLOOS_VAR_DIR)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from livechat.config import ConfigError, LiveChatConfig
from naadloos.core import environment
from naadloos.core.environment import PROJECT_ROOT, SettingError, read_bool, read_float, read_int, read_path, read_secret
from naadloos.core.settings import Settings
from naadloos.handover_contract.chatwoot.settings import ChatwootConfigError, ChatwootSettings
from naadloos.handover_contract.secret import SharedSecretError, secret_file

# Variables that point a file somewhere else than the var folder: cleared, so the test sees the derivation.
VAR_FILE_VARIABLES = (
    "NAADLOOS_BACKOFFICE_DB", "NAADLOOS_OUTBOX_DB", "NAADLOOS_CHATWOOT_DB", "LIVECHAT_DATABASE_URL",
    "LIVECHAT_SHARED_SECRET_FILE", "LIVECHAT_SHARED_SECRET",
)


@pytest.fixture
def env(monkeypatch):
    for name in (*VAR_FILE_VARIABLES, "NAADLOOS_VAR_DIR", "LIVECHAT_VAR_DIR", "LIVECHAT_TEAMS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    "value, message",
    [
        ("veel", "NAADLOOS_TEST_NUMBER must be a whole number, got 'veel'"),
        ("2.5", "NAADLOOS_TEST_NUMBER must be a whole number, got '2.5'"),
        ("0", "NAADLOOS_TEST_NUMBER must be at least 1, got 0"),
    ],
)
def test_a_bad_whole_number_names_the_variable(env, value, message):
    env.setenv("NAADLOOS_TEST_NUMBER", value)
    with pytest.raises(SettingError) as error:
        read_int("NAADLOOS_TEST_NUMBER", 5, minimum=1)
    assert str(error.value) == message


def test_numbers_default_when_unset_or_blank_and_are_read_when_set(env):
    assert read_int("NAADLOOS_TEST_NUMBER", 5) == 5
    env.setenv("NAADLOOS_TEST_NUMBER", "  ")
    assert read_int("NAADLOOS_TEST_NUMBER", 5) == 5
    env.setenv("NAADLOOS_TEST_NUMBER", " 7 ")
    assert read_int("NAADLOOS_TEST_NUMBER", 5) == 7
    env.setenv("NAADLOOS_TEST_SECONDS", "2.5")
    assert read_float("NAADLOOS_TEST_SECONDS", 1.0) == 2.5


@pytest.mark.parametrize(
    "value, message",
    [("snel", "must be a number, got 'snel'"), ("0", "must be more than 0, got 0.0"), ("nan", "must be a number, got 'nan'")],
)
def test_a_bad_number_names_the_variable(env, value, message):
    env.setenv("NAADLOOS_TEST_SECONDS", value)
    with pytest.raises(SettingError, match=f"^NAADLOOS_TEST_SECONDS {message}$"):
        read_float("NAADLOOS_TEST_SECONDS", 1.0)


@pytest.mark.parametrize(
    "value, expected", [("true", True), ("JA", True), ("1", True), ("off", False), ("nee", False), ("", None)]
)
def test_yes_and_no_in_english_and_dutch(env, value, expected):
    env.setenv("NAADLOOS_TEST_FLAG", value)
    assert read_bool("NAADLOOS_TEST_FLAG", None) is expected  # type: ignore[arg-type]


def test_a_flag_that_is_neither_yes_nor_no_is_refused_not_read_as_no(env):
    env.setenv("NAADLOOS_TEST_FLAG", "misschien")
    with pytest.raises(SettingError, match="^NAADLOOS_TEST_FLAG must be true or false .*got 'misschien'"):
        read_bool("NAADLOOS_TEST_FLAG", False)


def test_relative_paths_are_relative_to_the_project(env, tmp_path):
    assert read_path("NAADLOOS_TEST_FILE", "config/x.yml") == PROJECT_ROOT / "config" / "x.yml"
    env.setenv("NAADLOOS_TEST_FILE", str(tmp_path / "y.yml"))
    assert read_path("NAADLOOS_TEST_FILE", "config/x.yml") == tmp_path / "y.yml"


def test_a_secret_comes_from_its_variable_or_the_first_line_of_its_file(env, tmp_path):
    assert read_secret("NAADLOOS_TEST_TOKEN") == ""
    (tmp_path / "token").write_text("uit-het-bestand\nrest\n")
    env.setenv("NAADLOOS_TEST_TOKEN_FILE", str(tmp_path / "token"))
    assert read_secret("NAADLOOS_TEST_TOKEN") == "uit-het-bestand"
    env.setenv("NAADLOOS_TEST_TOKEN", " direct ")
    assert read_secret("NAADLOOS_TEST_TOKEN") == "direct"
    env.delenv("NAADLOOS_TEST_TOKEN")
    env.setenv("NAADLOOS_TEST_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingError, match="NAADLOOS_TEST_TOKEN_FILE=.*missing: cannot read it"):
        read_secret("NAADLOOS_TEST_TOKEN")


def test_the_applications_errors_are_the_one_settings_error():
    """One error type: `python -m livechat`, the agents command, the Chatwoot receiver and `make
    run` catch it, whichever reader found the mistake."""
    assert ConfigError is SettingError
    assert ChatwootConfigError is SettingError
    assert issubclass(SharedSecretError, SettingError)


@pytest.mark.parametrize(
    "name, value, read",
    [
        ("LIVECHAT_MAX_QUEUE", "veel", LiveChatConfig.from_environment),
        ("LIVECHAT_COOKIE_SECURE", "misschien", LiveChatConfig.from_environment),
        ("CHATWOOT_BRIDGE_PORT", "poort", ChatwootSettings.from_environment),
        ("CHATWOOT_TIMEOUT_SECONDS", "lang", ChatwootSettings.from_environment),
    ],
)
def test_every_application_reads_through_the_shared_reader(env, tmp_path, name, value, read):
    env.setenv("LIVECHAT_SHARED_SECRET_FILE", str(tmp_path / "secret"))
    env.setenv(name, value)
    with pytest.raises(SettingError, match=f"^{name} must be"):
        read()


def test_every_local_file_derives_from_the_one_var_folder(env, tmp_path):
    var = tmp_path / "elders"
    env.setenv("NAADLOOS_VAR_DIR", str(var))
    settings = Settings.from_environment()
    assert settings.var_dir == var
    assert settings.backoffice_db == var / "backoffice.sqlite3"
    assert settings.outbox_db == var / "outbox.sqlite3"
    assert settings.chatwoot_db == var / "chatwoot.sqlite3"
    assert ChatwootSettings.from_environment().links_db == var / "chatwoot.sqlite3"
    assert secret_file() == var / "livechat-shared-secret"
    config = LiveChatConfig.from_environment()  # creates the shared secret in the var folder
    assert config.var_dir == var
    assert config.database_url == f"sqlite:///{var / 'livechat.sqlite3'}"
    assert (var / "livechat-shared-secret").exists()


def test_the_var_folder_is_var_in_the_project_by_default_and_may_be_relative(env):
    assert Settings.from_environment().outbox_db == PROJECT_ROOT / "var" / "outbox.sqlite3"
    env.setenv("NAADLOOS_VAR_DIR", "var/test-run")
    assert Settings.from_environment().backoffice_db == PROJECT_ROOT / "var" / "test-run" / "backoffice.sqlite3"


def test_a_files_own_variable_still_wins_over_the_var_folder(env, tmp_path):
    env.setenv("NAADLOOS_VAR_DIR", str(tmp_path / "var"))
    env.setenv("NAADLOOS_OUTBOX_DB", str(tmp_path / "outbox-hier.sqlite3"))
    env.setenv("LIVECHAT_DATABASE_URL", "postgresql://naadloos@db.example/livechat")
    env.setenv("LIVECHAT_SHARED_SECRET_FILE", str(tmp_path / "geheim"))
    assert Settings.from_environment().outbox_db == tmp_path / "outbox-hier.sqlite3"
    assert Settings.from_environment().backoffice_db == tmp_path / "var" / "backoffice.sqlite3"
    assert LiveChatConfig.from_environment().database_url == "postgresql://naadloos@db.example/livechat"
    assert secret_file() == tmp_path / "geheim"


def test_the_live_chat_has_no_var_folder_variable_of_its_own(env, tmp_path):
    """One variable for the var folder: the old LIVECHAT_VAR_DIR is not read any more."""
    env.setenv("NAADLOOS_VAR_DIR", str(tmp_path / "een"))
    env.setenv("LIVECHAT_VAR_DIR", str(tmp_path / "twee"))
    assert LiveChatConfig.from_environment().var_dir == tmp_path / "een"


def test_the_reader_reads_the_environment_when_called_not_at_import(env):
    env.setenv("NAADLOOS_VAR_DIR", "/tmp/eerste")
    first = environment.var_dir()
    os.environ["NAADLOOS_VAR_DIR"] = "/tmp/tweede"
    assert (first, environment.var_dir()) == (Path("/tmp/eerste"), Path("/tmp/tweede"))


@pytest.mark.parametrize(
    "value, expected",
    [
        ("", ()),
        ("https://www.example.nl", ("https://www.example.nl",)),
        (" https://www.example.nl/ , HTTPS://Klant.Example.NL:443,http://localhost:8080,https://www.example.nl",
         ("https://www.example.nl", "https://klant.example.nl", "http://localhost:8080")),
        ("http://127.0.0.1:80,,http://[::1]:5056", ("http://127.0.0.1", "http://[::1]:5056")),
    ],
)
def test_web_origins_are_read_as_a_browser_sends_them(env, value, expected):
    env.setenv("NAADLOOS_TEST_ORIGINS", value)
    assert environment.read_origins("NAADLOOS_TEST_ORIGINS") == expected


@pytest.mark.parametrize(
    "value",
    ["www.example.nl", "https://www.example.nl/chat", "https://www.example.nl?x=1", "*", "https://*.example.nl",
     "ftp://www.example.nl", "https://www.example.nl:99999", "https://user@www.example.nl", "https://"],
)
def test_anything_but_an_origin_is_refused_with_the_variable_named(env, value):
    env.setenv("NAADLOOS_TEST_ORIGINS", f"https://goed.example.nl,{value}")
    with pytest.raises(SettingError, match=r"^NAADLOOS_TEST_ORIGINS: '.*' is not a web origin; write it like https://www.example.nl"):
        environment.read_origins("NAADLOOS_TEST_ORIGINS")
