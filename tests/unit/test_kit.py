from __future__ import annotations

import pytest

from wabiz.kit import appsettings, passwords, phone, sharding, signing
from wabiz.kit.errors import InvalidParameter, MissingParameter, UnexpectedParameter
from wabiz.kit.validation import error_from_validation, field_path


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Secret-Pass1", True),
        ("short1!", False),
        ("nouppercase1!", False),
        ("NOLOWERCASE1!", False),
        ("No-Digits-Here", False),
        ("NoSpecial123", False),
        ("A1!" + "a" * 62, False),
    ],
)
def test_password_rules(password: str, ok: bool) -> None:
    assert (passwords.password_problem(password) is None) is ok


def test_password_hash_round_trip_and_salt() -> None:
    first, second = passwords.hash_password("Secret-Pass1"), passwords.hash_password("Secret-Pass1")
    assert first != second, "every hash has its own salt"
    assert passwords.verify_password("Secret-Pass1", first)
    assert not passwords.verify_password("Secret-Pass2", first)
    assert not passwords.verify_password("Secret-Pass1", "garbage")


def test_usernames() -> None:
    assert passwords.username_problem("agent007") is None
    assert passwords.username_problem("abc") is not None
    assert passwords.username_problem("bad name!") is not None


@pytest.mark.parametrize(
    ("given", "digits"),
    [("+1 631-555-1181", "16315551181"), ("(631) 555.1181", "6315551181"), ("abc", None), ("+", None)],
)
def test_phone_normalize(given: str, digits: str | None) -> None:
    assert phone.normalize(given) == digits


def test_shard_of_is_stable_and_spreads() -> None:
    assert sharding.stable_hash("16315551181") == sharding.stable_hash("16315551181")
    counts = [0] * 8
    for n in range(8000):
        counts[sharding.shard_of(f"1631555{n:04d}", 8)] += 1
    assert min(counts) > 800, counts


def test_signature() -> None:
    header = signing.sign("s3cret", b'{"a":1}')
    assert header.startswith("sha256=")
    assert signing.verify("s3cret", b'{"a":1}', header)
    assert not signing.verify("s3cret", b'{"a":2}', header)
    assert not signing.verify("s3cret", b'{"a":1}', None)


def test_settings_defaults_match_the_contract() -> None:
    settings = appsettings.ApplicationSettings()
    assert settings.webhooks.max_concurrent_requests == 6
    assert (settings.webhooks.message.sent, settings.webhooks.message.delivered) == (False, True)
    assert settings.callback_backoff_delay_ms == 3000
    assert settings.max_callback_backoff_delay_ms == 900_000
    # Issue 3 chose faster failover than the original client's 5 s / 30 s.
    assert (settings.heartbeat_interval, settings.unhealthy_interval) == (1, 6)
    assert not settings.wants_status("sent")
    assert settings.wants_status("read")


def test_settings_patch_merges_and_validates() -> None:
    stored = appsettings.apply_patch({}, {"webhooks": {"url": "https://x.example/hook"}})
    merged = appsettings.apply_patch(stored, {"webhooks": {"message": {"sent": True}}})
    assert merged["webhooks"] == {"url": "https://x.example/hook", "message": {"sent": True}}
    assert appsettings.validate(merged).wants_status("sent")
    with pytest.raises(InvalidParameter, match="max_concurrent_requests"):
        appsettings.apply_patch({}, {"webhooks": {"max_concurrent_requests": 5}})
    with pytest.raises(UnexpectedParameter, match="colour"):
        appsettings.apply_patch({}, {"colour": "red"})
    with pytest.raises(InvalidParameter):
        appsettings.apply_patch({}, {"heartbeat_interval": 30, "unhealthy_interval": 10})


def test_webhook_url_rules() -> None:
    assert appsettings.check_webhook_url("https://ok.example", allow_insecure=False) is None
    assert appsettings.check_webhook_url("http://ok.example", allow_insecure=True) is None
    assert appsettings.check_webhook_url("http://no.example", allow_insecure=False) is not None
    assert appsettings.check_webhook_url("ftp://no.example", allow_insecure=True) is not None


def test_validation_errors_name_the_field() -> None:
    assert field_path(("body", "text", "body")) == "text.body"
    assert field_path(("body", "contacts", 2)) == "contacts[2]"
    missing = error_from_validation([{"type": "missing", "loc": ("body", "to"), "msg": "Field required"}])
    assert isinstance(missing, MissingParameter)
    assert "to" in missing.details
    extra = error_from_validation([{"type": "extra_forbidden", "loc": ("body", "x"), "msg": "Extra"}])
    assert isinstance(extra, UnexpectedParameter)


def test_database_dsn_from_parts_escapes_the_password() -> None:
    from wabiz.kit.config import CommonConfig

    config = CommonConfig(
        dev_mode=True,
        database_host="db.example",
        database_user="app",
        database_password="p@ss:/word",  # type: ignore[arg-type]
        database_sslmode="require",
    )
    assert (
        config.database_dsn()
        == "postgresql+psycopg://app:p%40ss%3A%2Fword@db.example:5432/wabiz?sslmode=require"
    )


def test_database_dsn_carries_the_ca_file() -> None:
    """CloudNativePG: verify-full against the cluster's CA, a file mounted from its Secret."""
    from wabiz.kit.config import CommonConfig

    config = CommonConfig(
        dev_mode=True,
        database_host="shop-db-rw.shop.svc",
        database_sslmode="verify-full",
        database_sslrootcert="/etc/wabiz/database-ca/ca.crt",
    )
    assert config.database_dsn().endswith(
        "@shop-db-rw.shop.svc:5432/wabiz?sslmode=verify-full&sslrootcert=%2Fetc%2Fwabiz%2Fdatabase-ca%2Fca.crt"
    )
