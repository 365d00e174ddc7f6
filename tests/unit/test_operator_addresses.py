"""Short Service names qualified with the client's namespace for the operator's own checks."""

from __future__ import annotations

import pytest

from wabiz_operator.addresses import qualified_host, qualified_url


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("postgres", "postgres.shop.svc"),
        ("postgres.db", "postgres.db"),
        ("db.example.com", "db.example.com"),
        ("10.0.0.7", "10.0.0.7"),
        ("::1", "::1"),
        ("localhost", "localhost"),
    ],
)
def test_qualified_host(host: str, expected: str) -> None:
    assert qualified_host(host, "shop") == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://minio:9000", "http://minio.shop.svc:9000"),
        ("https://user:pw@minio/path?x=1", "https://user:pw@minio.shop.svc/path?x=1"),
        ("http://minio.storage.svc:9000", "http://minio.storage.svc:9000"),
        ("https://s3.eu-west-1.amazonaws.com", "https://s3.eu-west-1.amazonaws.com"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_qualified_url(url: str, expected: str) -> None:
    assert qualified_url(url, "shop") == expected
