"""The backup blob (`webapp/backup/encryption.py`): sealed, opened, and refused when it must be."""

from __future__ import annotations

import base64

import pytest

from wabiz.webapp.backup.encryption import (
    HEADER_BYTES,
    MAGIC,
    BackupUnreadable,
    KdfParams,
    decrypt,
    encrypt,
)

FAST = KdfParams(log2_n=14, r=8, p=1)  # the smallest accepted cost keeps the tests quick
DOCUMENT = b'{"sections": {"settings": {"callback_persist": false}}}'
PASSWORD = "Backup-Pass1!"


def _altered(data: str, index: int) -> str:
    raw = bytearray(base64.b64decode(data))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_round_trip() -> None:
    data = encrypt(DOCUMENT, PASSWORD, FAST)
    assert decrypt(data, PASSWORD) == DOCUMENT
    assert DOCUMENT not in base64.b64decode(data), "the document is not readable in the blob"


def test_every_backup_has_its_own_salt_and_nonce() -> None:
    assert encrypt(DOCUMENT, PASSWORD, FAST) != encrypt(DOCUMENT, PASSWORD, FAST)


def test_the_default_cost_is_memory_hard() -> None:
    assert KdfParams().memory >= 32 * 1024 * 1024
    assert KdfParams().problem() is None


def test_wrong_password() -> None:
    data = encrypt(DOCUMENT, PASSWORD, FAST)
    with pytest.raises(BackupUnreadable, match="password does not open this backup"):
        decrypt(data, PASSWORD + "x")


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(len(MAGIC) + 4, id="salt"),
        pytest.param(HEADER_BYTES - 1, id="nonce"),
        pytest.param(HEADER_BYTES, id="ciphertext"),
        pytest.param(-1, id="tag"),
    ],
)
def test_an_altered_byte_is_detected(index: int) -> None:
    data = encrypt(DOCUMENT, PASSWORD, FAST)
    with pytest.raises(BackupUnreadable, match="altered"):
        decrypt(_altered(data, index), PASSWORD)


def test_altered_kdf_parameters_are_detected() -> None:
    """The parameters are authenticated: changing them (within range) fails like a wrong key."""
    data = encrypt(DOCUMENT, PASSWORD, FAST)
    with pytest.raises(BackupUnreadable, match="altered"):
        decrypt(_altered(data, len(MAGIC) + 1), PASSWORD)  # log2(N): 14 → 15
    with pytest.raises(BackupUnreadable, match="altered"):
        decrypt(_altered(data, len(MAGIC) + 2), PASSWORD)  # r: 8 → 9


def test_another_version_is_refused() -> None:
    data = _altered(encrypt(DOCUMENT, PASSWORD, FAST), len(MAGIC))  # version 1 → 0
    with pytest.raises(BackupUnreadable, match="format version 0"):
        decrypt(data, PASSWORD)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("not base64!", "not base64"),
        ("é", "not base64"),
        (base64.b64encode(b"short").decode(), "not a wabiz backup"),
        (base64.b64encode(b"X" * 100).decode(), "not a wabiz backup"),
    ],
)
def test_not_a_backup(data: str, reason: str) -> None:
    with pytest.raises(BackupUnreadable, match=reason):
        decrypt(data, PASSWORD)


def test_a_costly_kdf_is_refused_before_deriving() -> None:
    raw = bytearray(base64.b64decode(encrypt(DOCUMENT, PASSWORD, FAST)))
    raw[len(MAGIC) + 1] = 20  # N = 2^20 with r = 8: 1 GiB
    with pytest.raises(BackupUnreadable, match="more memory"):
        decrypt(base64.b64encode(bytes(raw)).decode(), PASSWORD)


@pytest.mark.parametrize("params", [KdfParams(13, 8, 1), KdfParams(15, 0, 1), KdfParams(15, 8, 5)])
def test_parameters_out_of_range(params: KdfParams) -> None:
    assert params.problem() is not None
