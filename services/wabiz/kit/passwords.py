"""Password rules and slow salted hashes (scrypt from the standard library).

scrypt is memory-hard and needs no native dependency. The cost follows OWASP's password storage
advice at its smallest memory setting (N=2^14, r=8, p=5: 16 MiB, the five lanes run one after the
other), so the number of hashes running at once, not the cost of one, decides the memory a WebApp
needs (`webapp.users.hashing` bounds it). The parameters are stored with each hash: hashes made
with older parameters still verify, and `needs_rehash` says when to replace them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

# The built-in admin the initial migration creates, with a well-known password its first login
# must change (or that `WABIZ_ADMIN_PASSWORD` replaces at migration time).
BOOTSTRAP_ADMIN = "admin"
BOOTSTRAP_PASSWORD = "secret"  # noqa: S105 (public by design, like the original client's)

_N, _R, _P = 2**14, 8, 5
HASH_MEMORY_BYTES = 128 * _R * _N
_SPECIAL = re.compile(r"[^A-Za-z0-9]")


def password_problem(password: str) -> str | None:
    """Why a password breaks the contract's rules, or None when it is acceptable."""
    if not 8 <= len(password) <= 64:
        return "password must be 8 to 64 characters long"
    checks = [
        (r"\d", "a digit"),
        (r"[A-Z]", "an upper-case letter"),
        (r"[a-z]", "a lower-case letter"),
    ]
    for pattern, what in checks:
        if not re.search(pattern, password):
            return f"password must contain {what}"
    if not _SPECIAL.search(password):
        return "password must contain a special character"
    return None


def username_problem(username: str) -> str | None:
    if not 4 <= len(username) <= 32:
        return "username must be 4 to 32 characters long"
    if not re.fullmatch(r"[A-Za-z0-9_.@\-]+", username):
        return "username may contain letters, digits and _ . @ - only"
    return None


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    enc = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(actual, expected)


def hash_problem(stored: str) -> str | None:
    """Why a stored hash from elsewhere (a backup) is unusable, or None. Verifying uses the cost
    written in the hash, so a hash asking for more than our own parameters' memory is refused."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(part.isdigit() for part in parts[1:4]):
        return "not a scrypt password hash of this format: scrypt$N$r$p$salt$digest"
    n, r, p = (int(part) for part in parts[1:4])
    if n < 2 or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16 or 128 * r * n > HASH_MEMORY_BYTES:
        return "its scrypt parameters are out of range"
    try:
        base64.b64decode(parts[4], validate=True)
        base64.b64decode(parts[5], validate=True)
    except ValueError:
        return "its salt or digest is not base64"
    return None


def needs_rehash(stored: str) -> bool:
    """Whether a (verified) hash was made with other parameters than today's."""
    return not stored.startswith(f"scrypt${_N}${_R}${_P}$")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are stored as digests so a database dump does not hand out sessions."""
    return hashlib.sha256(token.encode()).hexdigest()
