"""Password hashes: scrypt (memory-hard, in the standard library), a salt per password.

A hash is stored as ``scrypt$N$r$p$salt$key`` (salt and key in base64), so the cost can
be raised later and older hashes still check. Checking compares in constant time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

# 2**15 x 128 x 8 bytes: 32 MiB and about 0.1 s a check, so a stolen table is slow to guess.
COST = 2**15
BLOCK_SIZE = 8
PARALLEL = 1
KEY_BYTES = 32
MAX_MEMORY = 128 * 1024 * 1024
MIN_LENGTH = 10
MAX_LENGTH = 1024  # past this a password only costs time to hash


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=MAX_MEMORY, dklen=KEY_BYTES
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    """The stored form of ``password``, with a fresh salt."""
    salt = secrets.token_bytes(16)
    key = _derive(password, salt, COST, BLOCK_SIZE, PARALLEL)
    return f"scrypt${COST}${BLOCK_SIZE}${PARALLEL}${_b64(salt)}${_b64(key)}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        found = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:  # a malformed stored hash matches nothing
        return False
    return hmac.compare_digest(found, expected)


# Checked against when no account has the username, so that an unknown name takes as long
# to refuse as a wrong password and names cannot be told apart by timing.
@functools.cache
def _dummy() -> str:
    return hash_password(secrets.token_urlsafe(16))


def check_nothing(password: str) -> None:
    """Spend the time a check takes, for a username no account has."""
    check_password(password, _dummy())
