"""The shared secret of the hand-over contract: from the environment, or a private file that both
sides share on one machine."""
from __future__ import annotations

import os
import stat

import pytest

from naadloos.handover_contract.secret import SharedSecretError, load_shared_secret


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("LIVECHAT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LIVECHAT_SHARED_SECRET_FILE", str(tmp_path / "secret"))
    return monkeypatch


def test_generated_secret_is_private_and_stable(clean_env, tmp_path):
    first = load_shared_secret()
    path = tmp_path / "secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64
    assert load_shared_secret() == first


def test_the_variable_wins_over_the_file(clean_env, tmp_path):
    clean_env.setenv("LIVECHAT_SHARED_SECRET", "  " + "v" * 40 + "\n")
    assert load_shared_secret() == "v" * 40
    assert not (tmp_path / "secret").exists()


@pytest.mark.parametrize("where", ["variable", "file"])
def test_a_short_secret_is_refused_with_the_fix(clean_env, tmp_path, where):
    if where == "variable":
        clean_env.setenv("LIVECHAT_SHARED_SECRET", "short")
    else:
        (tmp_path / "secret").write_text("short\n")
    with pytest.raises(SharedSecretError, match="at least 32 characters; set LIVECHAT_SHARED_SECRET"):
        load_shared_secret()
