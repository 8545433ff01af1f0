"""The signing protocol of the hand-over contract (pure functions; the live service is tested in
tests/livechat/hostile/test_hostile_signatures.py)."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from naadloos.handover_contract import signing
from naadloos.handover_contract.signing import (
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    VerifiedSignature,
    canonical_request,
    sign,
    signature_headers,
    verify_signature,
)

SECRET = "s" * 40
BODY = b'{"conversation_id": "abc"}'
PATH = "/api/conversations/a%20b%2Fc/messages?x=1"
NONCE = "0123456789abcdef" * 2
T = 1700000000


def headers(**changes: str) -> dict[str, str]:
    signed = signature_headers(SECRET, "POST", PATH, BODY, timestamp=T, nonce=NONCE)
    return {**signed, **changes}


def verify(sent: dict[str, str], method: str = "POST", path: str | bytes = PATH, body: bytes = BODY, now: float = T):
    return verify_signature(SECRET, method, path, body, sent, now=now, window_seconds=300)


def test_the_signature_is_hmac_sha256_over_timestamp_nonce_method_path_and_body():
    message = f"{T}\n{NONCE}\nPOST\n{PATH}\n".encode() + BODY
    expected = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
    assert canonical_request(T, NONCE, "post", PATH, BODY) == message
    assert sign(SECRET, T, NONCE, "POST", PATH, BODY) == expected
    assert sign(SECRET, T, NONCE, "POST", PATH.encode(), BODY.decode()) == expected
    assert headers() == {TIMESTAMP_HEADER: str(T), NONCE_HEADER: NONCE, SIGNATURE_HEADER: expected}


def test_each_call_gets_a_fresh_nonce_and_so_another_signature():
    first = signature_headers(SECRET, "GET", "/api/x", b"", timestamp=T)
    second = signature_headers(SECRET, "GET", "/api/x", b"", timestamp=T)
    assert first[NONCE_HEADER] != second[NONCE_HEADER]
    assert first[SIGNATURE_HEADER] != second[SIGNATURE_HEADER]


def test_a_good_signature_verifies_within_the_window_both_ways():
    expected = VerifiedSignature(headers()[SIGNATURE_HEADER], T)
    assert verify(headers(), now=T + 300) == expected
    assert verify(headers(), now=T - 300) == expected
    assert verify(headers(), path=PATH.encode()) == expected  # the service passes the raw bytes
    upper = headers(**{SIGNATURE_HEADER: headers()[SIGNATURE_HEADER].upper()})
    assert verify(upper) == expected, "hex case does not matter; the remembered form is lowercase"


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("PUT", PATH, BODY),
        ("POST", PATH.replace("a%20b", "a%20c"), BODY),
        ("POST", PATH.replace("x=1", "x=2"), BODY),
        ("POST", PATH.split("?")[0], BODY),
        ("POST", PATH.replace("%2F", "/"), BODY),  # the encoded form is what is signed
        ("POST", "/api/handovers", BODY),
        ("POST", PATH, BODY + b" "),
    ],
    ids=["method", "path", "query", "no-query", "decoded-path", "endpoint", "body"],
)
def test_the_signature_covers_method_path_query_and_body(method, path, body):
    with pytest.raises(SignatureError, match="invalid signature"):
        verify(headers(), method=method, path=path, body=body)


@pytest.mark.parametrize(
    "sent, now, reason",
    [
        ({}, T, "missing signature headers"),
        ({TIMESTAMP_HEADER: str(T), NONCE_HEADER: NONCE}, T, "missing signature headers"),
        ({TIMESTAMP_HEADER: str(T), SIGNATURE_HEADER: "ab" * 32}, T, "missing signature headers"),
        (headers(**{TIMESTAMP_HEADER: ""}), T, "missing signature headers"),
        (headers(**{TIMESTAMP_HEADER: "-5"}), T, "invalid timestamp"),
        (headers(**{TIMESTAMP_HEADER: "¹⁷⁰⁰⁰⁰⁰⁰⁰⁰"}), T, "invalid timestamp"),  # isdigit() says yes
        (headers(**{TIMESTAMP_HEADER: "١٧٠٠٠٠٠٠٠٠"}), T, "invalid timestamp"),  # isdecimal(), int() say yes
        (headers(**{TIMESTAMP_HEADER: "1700000000\n"}), T, "invalid timestamp"),
        (headers(**{TIMESTAMP_HEADER: " 1700000000"}), T, "invalid timestamp"),
        (headers(**{TIMESTAMP_HEADER: "01700000000"}), T, "invalid timestamp"),
        (headers(**{TIMESTAMP_HEADER: "1" * 13}), T, "invalid timestamp"),
        (headers(**{NONCE_HEADER: "short"}), T, "invalid nonce"),
        (headers(**{NONCE_HEADER: NONCE.upper()}), T, "invalid nonce"),
        (headers(**{NONCE_HEADER: "é" * 32}), T, "invalid nonce"),
        (headers(**{NONCE_HEADER: "a" * 5000}), T, "invalid nonce"),
        (headers(), T + 301, "outside the allowed window"),
        (headers(), T - 301, "outside the allowed window"),
        (headers(**{SIGNATURE_HEADER: "é" * 64}), T, "invalid signature"),
        (headers(**{SIGNATURE_HEADER: "\u212a" * 64}), T, "invalid signature"),  # Kelvin sign lowers to "k"
        (headers(**{SIGNATURE_HEADER: "g" * 64}), T, "invalid signature"),
        (headers(**{SIGNATURE_HEADER: "ab"}), T, "invalid signature"),
        (headers(**{SIGNATURE_HEADER: "a" * 5000}), T, "invalid signature"),
        (headers(**{SIGNATURE_HEADER: "ab" * 32}), T, "invalid signature"),
        (signature_headers("t" * 40, "POST", PATH, BODY, timestamp=T, nonce=NONCE), T, "invalid signature"),
    ],
)
def test_verify_signature_rejects(sent, now, reason):
    with pytest.raises(SignatureError, match=reason):
        verify(sent, now=now)


def test_signature_headers_sign_now_by_default(monkeypatch):
    monkeypatch.setattr(signing.time, "time", lambda: T + 0.9)
    assert signature_headers(SECRET, "GET", "/api/x", b"")[TIMESTAMP_HEADER] == str(T)
