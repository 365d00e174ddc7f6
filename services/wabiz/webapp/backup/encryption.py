"""The backup blob: a document encrypted with a key derived from the operator's password.

A password is a weak key, so it is stretched with scrypt (memory-hard: guessing costs memory as
well as time) and a random salt; the document is sealed with AES-256-GCM under a random nonce, so
a wrong password and an altered byte are both detected, never decrypted into garbage. The header
(magic, version, KDF parameters, salt, nonce) is authenticated with the ciphertext, so it cannot be
changed either. Layout, then base64 (standard alphabet, padded) for the `data` field:

    magic "WABIZBK" | version (1 byte) | log2(N), r, p (1 byte each) | salt (16) | nonce (12)
    | ciphertext with its 16-byte tag

The parameters travel with the blob so a later version can raise them and still read old blobs;
a blob asking for more memory than `MAX_KDF_MEMORY` is refused before any work is done.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"WABIZBK"
VERSION = 1
SALT_BYTES, NONCE_BYTES, KEY_BYTES, TAG_BYTES = 16, 12, 32, 16
_PARAMS = struct.Struct("!BBB")
HEADER_BYTES = len(MAGIC) + 1 + _PARAMS.size + SALT_BYTES + NONCE_BYTES
MAX_KDF_MEMORY = 64 * 1024 * 1024


class BackupUnreadable(ValueError):
    """The blob cannot be opened; the message says why without revealing anything of its content."""


@dataclass(frozen=True)
class KdfParams:
    log2_n: int = 15  # N = 32768, r = 8: 32 MiB and about a tenth of a second per derivation
    r: int = 8
    p: int = 1

    @property
    def memory(self) -> int:
        memory: int = 128 * self.r * 2**self.log2_n
        return memory

    def problem(self) -> str | None:
        if not 14 <= self.log2_n <= 20 or not 1 <= self.r <= 32 or not 1 <= self.p <= 4:
            return "its key derivation parameters are out of range"
        if self.memory > MAX_KDF_MEMORY:
            return "its key derivation needs more memory than allowed"
        return None


def _key(password: str, salt: bytes, params: KdfParams) -> bytes:
    kdf = Scrypt(salt=salt, length=KEY_BYTES, n=2**params.log2_n, r=params.r, p=params.p)
    return kdf.derive(password.encode())


def encrypt(document: bytes, password: str, params: KdfParams = KdfParams()) -> str:
    """The `data` of a backup: `document` sealed under `password`."""
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    header = MAGIC + bytes([VERSION]) + _PARAMS.pack(params.log2_n, params.r, params.p) + salt + nonce
    sealed = AESGCM(_key(password, salt, params)).encrypt(nonce, document, header)
    return base64.b64encode(header + sealed).decode("ascii")


def decrypt(data: str, password: str) -> bytes:
    """The document sealed in `data`; `BackupUnreadable` when it is not a backup of ours, of an
    unknown version, altered, or sealed under another password (the last two look the same)."""
    try:
        raw = base64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise BackupUnreadable("data is not base64") from None
    if len(raw) < HEADER_BYTES + TAG_BYTES or not raw.startswith(MAGIC):
        raise BackupUnreadable("data is not a wabiz backup")
    version = raw[len(MAGIC)]
    if version != VERSION:
        raise BackupUnreadable(f"data is a backup of format version {version}; this wabiz reads {VERSION}")
    start = len(MAGIC) + 1
    params = KdfParams(*_PARAMS.unpack_from(raw, start))
    if problem := params.problem():
        raise BackupUnreadable(f"data is not a usable backup: {problem}")
    salt_at = start + _PARAMS.size
    salt, nonce = raw[salt_at : salt_at + SALT_BYTES], raw[salt_at + SALT_BYTES : HEADER_BYTES]
    try:
        return AESGCM(_key(password, salt, params)).decrypt(nonce, raw[HEADER_BYTES:], raw[:HEADER_BYTES])
    except InvalidTag:
        raise BackupUnreadable("the password does not open this backup, or data was altered") from None
