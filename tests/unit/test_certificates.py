"""Which CA bundles are accepted for webhooks (`kit/certificates.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tooling.certs import private_https_server
from wabiz.kit.certificates import MAX_BUNDLE_BYTES, checked_ca_bundle, client_context
from wabiz.kit.errors import ApiError

KEY = b"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n"


@pytest.fixture(scope="module")
def ca_pem(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return private_https_server(tmp_path_factory.mktemp("pki")).ca_pem


def test_a_bundle_of_certificates_is_kept_as_sent(ca_pem: bytes) -> None:
    bundle = ca_pem + b"\n" + ca_pem
    assert checked_ca_bundle(bundle) == bundle.decode()
    assert client_context(bundle.decode()).cert_store_stats()["x509_ca"] >= 1


def _refusal(raw: bytes) -> str:
    with pytest.raises(ApiError) as raised:
        checked_ca_bundle(raw)
    assert raised.value.code == 1009
    return raised.value.details


def test_a_private_key_is_refused_not_stored(ca_pem: bytes) -> None:
    assert "not PRIVATE KEY" in _refusal(ca_pem + KEY)


def test_what_is_no_certificate_is_refused(ca_pem: bytes) -> None:
    assert "no PEM certificate" in _refusal(b"hello")
    assert "PEM text" in _refusal(b"\x30\x82\x01\x0a\xff")
    broken = ca_pem.replace(ca_pem.splitlines()[3], b"A" * 64)
    assert "does not parse" in _refusal(broken)


def test_the_size_is_bounded(ca_pem: bytes) -> None:
    assert str(MAX_BUNDLE_BYTES) in _refusal(ca_pem * (MAX_BUNDLE_BYTES // len(ca_pem) + 1))


def test_at_most_a_hundred_certificates(tmp_path: Path, ca_pem: bytes) -> None:
    assert "at most 100" in _refusal(
        b"".join(private_https_server(tmp_path / str(i)).ca_pem for i in range(101))
    )
