"""The console's certificates and CSRF tokens, without a server."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from hub.access.certs import (
    CertifiedIdentity,
    create_authority,
    identity_of,
    issue_client,
    write_bundle,
)
from hub.web.security import TOKEN_LIFETIME_SECONDS, CsrfTokens, csp

DESK = CertifiedIdentity("desk-7", "RXX01", "unscheduled-care-clinician")


def test_the_browser_bundle_holds_the_users_certificate_under_its_password(
    tmp_path: Path,
) -> None:
    """client-<user>.p12 opens with the password beside it and names the same user."""
    create_authority(tmp_path)
    issue_client(tmp_path, DESK)
    bundle, password_file = write_bundle(tmp_path, "desk-7")
    password = password_file.read_text().strip().encode()
    key, certificate, chain = pkcs12.load_key_and_certificates(bundle.read_bytes(), password)
    assert certificate is not None and key is not None and 1 == len(chain)
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    assert DESK == identity_of(pem)
    assert 0o600 == bundle.stat().st_mode & 0o777 == password_file.stat().st_mode & 0o777


def test_a_token_is_valid_for_its_holder_for_a_shift() -> None:
    """A token passes for the identity it was issued to, until the shift's length has passed."""
    now = [1_800_000_000.0]
    tokens = CsrfTokens(b"k" * 32, clock=lambda: now[0])
    token = tokens.issue(DESK)
    assert tokens.valid(token, DESK)
    assert not tokens.valid(token, CertifiedIdentity("desk-8", "RXX01", DESK.role))
    assert not CsrfTokens(b"x" * 32, clock=lambda: now[0]).valid(token, DESK)
    now[0] += TOKEN_LIFETIME_SECONDS + 1
    assert not tokens.valid(token, DESK)


def test_malformed_tokens_are_refused() -> None:
    """Empty, non-numeric or absurd tokens never pass."""
    tokens = CsrfTokens(b"k" * 32)
    for token in ("", ".", "abc.def", "9" * 40 + ".00", "-1.00"):
        assert not tokens.valid(token, DESK)


def test_the_content_security_policy_allows_only_the_consoles_own_scripts() -> None:
    """Scripts from the console itself or under the request's nonce; nothing inline, no frames."""
    policy = csp("n0nce")
    assert "script-src 'self' 'nonce-n0nce'" in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy
