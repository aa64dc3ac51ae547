"""Password hashes: werkzeug's scrypt (memory-hard), a salt per password.

A hash is stored as werkzeug writes it, ``scrypt:N:r:p$salt$key``, so the cost can be
raised later and older hashes still check. Hashes of the service's first format,
``scrypt$N$r$p$salt$key`` (salt and key in base64), still check too; ``needs_rehash``
tells sign-in to store the password again in the current format. Checking compares in
constant time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

# 2**15 x 128 x 8 bytes: 32 MiB and about 0.1 s a check, so a stolen table is slow to guess.
COST = 2**15
BLOCK_SIZE = 8
PARALLEL = 1
METHOD = f"scrypt:{COST}:{BLOCK_SIZE}:{PARALLEL}"
SALT_LENGTH = 16
MIN_LENGTH = 10
MAX_LENGTH = 1024  # past this a password only costs time to hash
# The first format (before werkzeug's), read only.
_LEGACY = "scrypt$"
_LEGACY_KEY_BYTES = 32
_LEGACY_MAX_MEMORY = 128 * 1024 * 1024


def hash_password(password: str) -> str:
    """The stored form of ``password``, with a fresh salt."""
    return generate_password_hash(password, method=METHOD, salt_length=SALT_LENGTH)


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (either format)."""
    if stored.startswith(_LEGACY):
        return _check_legacy(password, stored)
    try:
        return check_password_hash(stored, password)
    except ValueError:  # a malformed stored hash or an unknown method matches nothing
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` is not in the current format and cost (store it again)."""
    return not stored.startswith(f"{METHOD}$")


def _check_legacy(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, key = stored.split("$")
        expected = base64.b64decode(key)
        found = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_LEGACY_MAX_MEMORY,
            dklen=_LEGACY_KEY_BYTES,
        )
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
