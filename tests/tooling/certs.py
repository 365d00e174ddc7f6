"""Certificates for tests: a throwaway control plane (a CA, serving and client certificates, an SA
key), and a private CA with an HTTPS server's certificate (a webhook behind a private CA)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Key = ec.EllipticCurvePrivateKey


def _key() -> Key:
    return ec.generate_private_key(ec.SECP256R1())


def _write(path: Path, key: Key | None, cert: x509.Certificate | None) -> None:
    if key is not None:
        path.with_suffix(".key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    if cert is not None:
        path.with_suffix(".crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _name(common: str, org: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if org:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(parts)


def _builder(subject: x509.Name, issuer: x509.Name, key: Key) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
    )


def _self_signed_ca(common: str) -> tuple[Key, x509.Certificate]:
    key = _key()
    name = _name(common)
    ca = (
        _builder(name, name, key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, ca


def make_pki(directory: Path) -> None:
    """ca.crt/key, apiserver.crt/key (127.0.0.1), admin.crt/key (system:masters), sa.key/sa.pub."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca = _self_signed_ca("wabiz-test-ca")
    ca_name = ca.subject
    _write(directory / "ca", ca_key, ca)
    server_key = _key()
    names = [
        x509.DNSName("localhost"),
        x509.DNSName("kubernetes.default.svc"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    server = (
        _builder(_name("kube-apiserver"), ca_name, server_key)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(directory / "apiserver", server_key, server)
    admin_key = _key()
    admin = _builder(_name("admin", "system:masters"), ca_name, admin_key).sign(ca_key, hashes.SHA256())
    _write(directory / "admin", admin_key, admin)
    sa_key = _key()
    _write(directory / "sa", sa_key, None)
    (directory / "sa.pub").write_bytes(
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def client_certificate(directory: Path, user: str, group: str | None = None) -> tuple[bytes, bytes]:
    """A client certificate (PEM) and its key for `user`, signed by the CA `make_pki` wrote there."""
    ca_key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), password=None)
    ca = x509.load_pem_x509_certificate((directory / "ca.crt").read_bytes())
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = _key()
    cert = _builder(_name(user, group), ca.subject, key).sign(ca_key, hashes.SHA256())
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


@dataclass(frozen=True)
class PrivateServer:
    ca_pem: bytes  # what a client must trust
    server: ssl.SSLContext  # serves 127.0.0.1 with a certificate that CA signed


def private_https_server(directory: Path) -> PrivateServer:
    """A self-signed CA of its own and a server context for 127.0.0.1 signed by it."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca = _self_signed_ca("wabiz-webhook-test-ca")
    key = _key()
    address = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
    cert = (
        _builder(_name("webhook"), ca.subject, key)
        .add_extension(x509.SubjectAlternativeName([address]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(directory / "webhook", key, cert)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(directory / "webhook.crt", directory / "webhook.key")
    return PrivateServer(ca.public_bytes(serialization.Encoding.PEM), server)
