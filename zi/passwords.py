"""Password hashing with Argon2id (RFC 9106's parameters unless settings say otherwise), session tokens."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

from .config import _env

MIN_LENGTH = 10
_current: PasswordHasher | None = None


def configure(time_cost: int | None = None, memory_kib: int | None = None,
              parallelism: int | None = None) -> PasswordHasher:
    """Set the Argon2id parameters of new hashes; a parameter not given comes from ZI_ARGON2_TIME_COST,
    ZI_ARGON2_MEMORY_KIB or ZI_ARGON2_PARALLELISM, else RFC 9106's (t=3, m=64 MiB, p=4). Every hash
    records its own parameters, so hashes made with other ones still verify."""
    global _current
    base = RFC_9106_LOW_MEMORY
    _current = PasswordHasher(
        time_cost=time_cost or int(_env("ZI_ARGON2_TIME_COST", str(base.time_cost))),
        memory_cost=memory_kib or int(_env("ZI_ARGON2_MEMORY_KIB", str(base.memory_cost))),
        parallelism=parallelism or int(_env("ZI_ARGON2_PARALLELISM", str(base.parallelism))),
    )
    _dummy_hash.cache_clear()
    return _current


def _hasher() -> PasswordHasher:
    return _current or configure()


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"password must have at least {MIN_LENGTH} characters")
    return _hasher().hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of a random password, made once: checked when there is no account, so that a failed
    login costs one Argon2 verification whether or not the email exists."""
    return _hasher().hash(secrets.token_urlsafe(32))


def check_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash (unknown email) it still pays a full verification."""
    try:
        if not password_hash:
            _hasher().verify(_dummy_hash(), password)
            return False
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_session_token() -> str:
    """The random value every session of a user must carry; a new one ends all their sessions."""
    return secrets.token_urlsafe(32)
