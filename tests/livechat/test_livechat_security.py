"""Signatures, password hashing and session tokens (pure functions)."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from livechat import security
from livechat.security import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    hash_password,
    hash_session_token,
    new_session_token,
    sign,
    signature_headers,
    verify_password,
    verify_signature,
)

SECRET = "s" * 40
BODY = b'{"conversation_id": "abc"}'


def test_sign_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, 1700000000) == expected
    assert sign(SECRET, BODY.decode(), 1700000000) == expected


def test_signature_headers_verify():
    headers = signature_headers(SECRET, BODY, 1700000000)
    verify_signature(SECRET, BODY, headers, now=1700000100, window_seconds=300)


@pytest.mark.parametrize(
    "headers, now, reason",
    [
        ({}, 1700000000, "missing signature headers"),
        ({TIMESTAMP_HEADER: "1700000000"}, 1700000000, "missing signature headers"),
        ({TIMESTAMP_HEADER: "-5", SIGNATURE_HEADER: "ab"}, 1700000000, "invalid timestamp"),
        ({TIMESTAMP_HEADER: "1700000000", SIGNATURE_HEADER: "ab"}, 1700000000, "invalid signature"),
        (signature_headers(SECRET, BODY, 1700000000), 1700000301, "outside"),  # too old
        (signature_headers(SECRET, BODY, 1700000000), 1699999699, "outside"),  # from the future
        (signature_headers("t" * 40, BODY, 1700000000), 1700000000, "invalid signature"),
    ],
)
def test_verify_signature_rejects(headers, now, reason):
    with pytest.raises(SignatureError, match=reason):
        verify_signature(SECRET, BODY, headers, now=now, window_seconds=300)


def test_signature_covers_the_body():
    headers = signature_headers(SECRET, BODY, 1700000000)
    with pytest.raises(SignatureError):
        verify_signature(SECRET, BODY + b" ", headers, now=1700000000, window_seconds=300)


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
