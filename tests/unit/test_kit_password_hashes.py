"""`kit.passwords.hash_problem`: which stored hashes a restore may bring in."""

from __future__ import annotations

import pytest

from wabiz.kit.passwords import hash_password, hash_problem


def test_our_own_hashes_are_usable() -> None:
    assert hash_problem(hash_password("Some-Pass1!")) is None


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ("plain-text", "not a scrypt password hash"),
        ("bcrypt$1$2$3$AA==$AA==", "not a scrypt password hash"),
        ("scrypt$x$8$1$AA==$AA==", "not a scrypt password hash"),
        ("scrypt$16384$8$1$AA==", "not a scrypt password hash"),
        ("scrypt$1073741824$8$1$AA==$AA==", "out of range"),  # 1 TiB to verify one login
        ("scrypt$12345$8$1$AA==$AA==", "out of range"),  # N must be a power of two
        ("scrypt$16384$8$99$AA==$AA==", "out of range"),
        ("scrypt$16384$8$5$not*base64$AA==", "not base64"),
    ],
)
def test_unusable_hashes(stored: str, reason: str) -> None:
    problem = hash_problem(stored)
    assert problem is not None and reason in problem
