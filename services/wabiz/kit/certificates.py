"""CA bundles: the extra certificate authorities a business's webhook may be signed by.

An admin uploads a PEM bundle (`POST /v1/certificates/webhooks/ca`); the CoreApps then trust it,
besides the system's authorities, when they post callbacks. Only certificates are accepted: a
private key pasted by mistake is refused rather than stored, and the bundle must be something
OpenSSL itself loads, so what the WebApp accepts is what the CoreApps can use.
"""

from __future__ import annotations

import re
import ssl

from wabiz.kit.errors import InvalidParameter

MAX_BUNDLE_BYTES = 256 * 1024
MAX_CERTIFICATES = 100
_PEM_LABEL = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----")


def checked_ca_bundle(raw: bytes) -> str:
    """The bundle as text once it is known to hold only certificates OpenSSL loads; 1009 why not."""
    if len(raw) > MAX_BUNDLE_BYTES:
        raise InvalidParameter(f"the CA bundle is larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        pem = raw.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidParameter(
            "the CA bundle must be PEM text (ASCII), not DER or another encoding"
        ) from None
    labels = set(_PEM_LABEL.findall(pem))
    if not labels:
        raise InvalidParameter("the CA bundle holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    if labels != {"CERTIFICATE"}:
        others = ", ".join(sorted(labels - {"CERTIFICATE"}))
        raise InvalidParameter(f"the CA bundle may hold only certificates, not {others}")
    count = _loaded_certificates(pem)
    if count > MAX_CERTIFICATES:
        raise InvalidParameter(f"the CA bundle holds {count} certificates; at most {MAX_CERTIFICATES}")
    return pem


def _loaded_certificates(pem: str) -> int:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cadata=pem)
    except ssl.SSLError as exc:
        raise InvalidParameter(f"the CA bundle does not parse as certificates: {exc.reason}") from None
    return int(context.cert_store_stats()["x509"])


def client_context(extra_ca: str | None) -> ssl.SSLContext:
    """Verification as usual (system authorities, host names), trusting `extra_ca` as well."""
    context = ssl.create_default_context()
    if extra_ca:
        context.load_verify_locations(cadata=extra_ca)
    return context
