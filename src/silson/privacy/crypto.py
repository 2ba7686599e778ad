"""Envelope encryption of personal data, with a data key per person.

Every personal datum (name, 주민등록번호, phone, address, account, document) is sealed with AES-GCM
under the person's own data key before it reaches a column or a file; the data key itself is stored
only wrapped (AES-GCM) under the master key, which comes from configuration (a file by default; a
KMS can stand in through the `MasterKey` port). Erasing a person destroys their wrapped data key,
so every copy of their data, backups included, becomes unreadable (crypto-shredding).

Look-ups by phone or registration number use keyed hashes (blind indexes: HMAC-SHA256 under a key
derived from the master key with HKDF), so equality can be tested without storing the value.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from silson.errors import SilsonError

NONCE = 12
VERSION = b"\x01"


class CryptoError(SilsonError, ValueError):
    """A sealed value that cannot be opened: wrong key, tampered, or its key was destroyed."""


class MasterKey(Protocol):
    """Wraps and unwraps data keys; a file-held key by default, a KMS in production."""

    def wrap(self, data_key: bytes, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes: ...

    def derive(self, purpose: bytes) -> bytes: ...


def _seal(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def _open(key: bytes, sealed: bytes, context: bytes) -> bytes:
    if len(sealed) < 1 + NONCE + 16 or sealed[:1] != VERSION:
        raise CryptoError("not a sealed value")
    try:
        return AESGCM(key).decrypt(sealed[1 : 1 + NONCE], sealed[1 + NONCE :], context)
    except InvalidTag:
        raise CryptoError("cannot open: wrong key or tampered value") from None


@dataclass(frozen=True, slots=True)
class FileMasterKey:
    """A 256-bit master key kept in a file readable by its owner only."""

    key: bytes

    @classmethod
    def load_or_create(cls, path: Path) -> FileMasterKey:
        if path.exists():
            raw = path.read_bytes()
            if len(raw) != 32:
                raise CryptoError(f"{path}: a master key is 32 bytes")
            return cls(raw)
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key)
        return cls(key)

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        return _seal(self.key, data_key, b"wrap:" + context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        return _open(self.key, wrapped, b"wrap:" + context)

    def derive(self, purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"silson:" + purpose).derive(self.key)


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(data_key: bytes, value: str, field: str) -> bytes:
    """Encrypt one field; the field name is bound in, so a value cannot be moved to another column."""
    return _seal(data_key, value.encode("utf-8"), field.encode())


def open_sealed(data_key: bytes, sealed: bytes, field: str) -> str:
    return _open(data_key, sealed, field.encode()).decode("utf-8")


def seal_bytes(data_key: bytes, value: bytes, field: str) -> bytes:
    """`seal` for a value that is not text (a stored computation, a file)."""
    return _seal(data_key, value, field.encode())


def open_bytes(data_key: bytes, sealed: bytes, field: str) -> bytes:
    return _open(data_key, sealed, field.encode())


def blind_index(master: MasterKey, kind: str, value: str) -> str:
    """Keyed hash for equality look-ups (phone, 주민등록번호), after normalising the value.

    >>> import secrets
    >>> m = FileMasterKey(secrets.token_bytes(32))
    >>> blind_index(m, "phone", "010-1234-5678") == blind_index(m, "phone", "01012345678")
    True
    """
    normal = "".join(ch for ch in value if ch.isalnum()).upper()
    key = master.derive(b"blind-index:" + kind.encode())
    return hmac.new(key, normal.encode(), hashlib.sha256).hexdigest()
