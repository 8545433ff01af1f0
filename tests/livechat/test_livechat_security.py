"""Password hashing and session tokens (pure functions), and the store of seen request signatures
(real SQLite and PostgreSQL). The signing itself is tested with the hand-over contract
(tests/unit/test_handover_contract_signing.py)."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from livechat import security
from livechat.security import hash_password, hash_session_token, new_session_token, verify_password
from livechat.storage import seen_signatures
from livechat.storage.db import open_engine
from livechat.storage.schema import seen_signatures as seen_table

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_password_hash_uses_the_real_scrypt_cost_and_a_random_salt(monkeypatch):
    monkeypatch.setattr(security, "SCRYPT_N", 2**14)  # undo the fast setting of conftest
    first = hash_password("correct horse")
    second = hash_password("correct horse")
    scheme, n, r, p, salt, digest = first.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert first != second, "random salt"
    assert "correct horse" not in first
    assert verify_password("correct horse", first)
    assert not verify_password("Correct horse", first)


@pytest.mark.parametrize("stored", ["", "plain", "md5$1$2$3$4$5", "scrypt$x$8$1$AAAA$AAAA", "scrypt$16384$8$1$!!$!!"])
def test_malformed_hashes_never_verify(stored):
    assert verify_password("anything", stored) is False


def test_session_tokens_are_random_and_only_hashed():
    token = new_session_token()
    assert len(token) >= 40
    assert token != new_session_token()
    assert hash_session_token(token) == hashlib.sha256(token.encode()).hexdigest()


def test_generated_passwords_are_long_and_random():
    passwords = {security.generate_password() for _ in range(20)}
    assert len(passwords) == 20
    assert all(len(p) == 23 for p in passwords)


@pytest.fixture
def engine(database_url):
    engine = open_engine(database_url)
    yield engine
    engine.dispose()


def test_a_signature_is_remembered_once(engine):
    signature = "ab" * 32
    assert seen_signatures.remember(engine, signature, NOW + timedelta(minutes=5), NOW) is True
    assert seen_signatures.remember(engine, signature, NOW + timedelta(minutes=5), NOW) is False
    assert seen_signatures.remember(engine, "cd" * 32, NOW + timedelta(minutes=5), NOW) is True


def test_expired_signatures_are_purged_now_and_then(engine, monkeypatch):
    monkeypatch.setattr(seen_signatures, "PURGE_EVERY", 4)
    for number in range(3):  # ids 1-3: already expired
        assert seen_signatures.remember(engine, f"{number:064x}", NOW - timedelta(seconds=1), NOW)
    assert seen_signatures.remember(engine, "f" * 64, NOW + timedelta(minutes=5), NOW)  # id 4 purges
    with engine.connect() as connection:
        left = connection.execute(sa.select(seen_table.c.signature)).scalars().all()
    assert left == ["f" * 64]
    assert seen_signatures.purge_expired(engine, NOW + timedelta(minutes=6)) == 1
