"""Links that let a person set a password without knowing the old one: a forgotten password and an
invitation. No Flask: the web layer sends the link by mail (or shows it to the admin).

A link carries a token signed with the app's SECRET_KEY (itsdangerous, timed). Besides the person's
id it holds a short fingerprint of their current password hash, so the link dies as soon as the
password changes: it works once, and an older link dies with any newer password. A reset link lives
24 hours, an invitation 7 days. Setting the password updates the row only if the hash is still the
one the token saw, so two uses at the same moment cannot both succeed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from . import audit
from .messages import DomainError
from .models import User
from .passwords import MIN_LENGTH, hash_password, new_session_token
from .text import N_

RESET, INVITE = "reset", "invite"
MAX_AGE = {RESET: 24 * 3600, INVITE: 7 * 24 * 3600}  # seconds a link stays valid
SALT = "zi-password-link"

INVALID = N_("Tautan ini tidak sah. Minta tautan baru.")
EXPIRED = N_("Tautan ini sudah kedaluwarsa. Minta tautan baru.")
USED = N_("Tautan ini sudah dipakai atau kata sandinya sudah diganti. Minta tautan baru bila perlu.")
TOO_SHORT = N_("Kata sandi minimal %(n)s karakter.")
MISMATCH = N_("Kedua isian kata sandi tidak sama.")


def _now() -> float:
    return time.time()


class AccountError(DomainError):
    """A link or a new password that cannot be used; a message id with its parameters."""


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def fingerprint(password_hash: str) -> str:
    """A short digest of the password hash: enough to tell that it changed, nothing to attack it with."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def make_token(secret_key: str, user: User, purpose: str = RESET) -> str:
    if purpose not in MAX_AGE:
        raise ValueError(purpose)
    return _serializer(secret_key).dumps({"u": user.id, "h": fingerprint(user.password_hash), "p": purpose})


def read_token(secret_key: str, token: str, now: float | None = None) -> tuple[User, str]:
    """The person a link is for and its purpose (RESET or INVITE); AccountError when it is not
    valid, has expired, or has been used (the password changed since)."""
    if not isinstance(token, str) or not token or len(token) > 1000:
        raise AccountError(INVALID)
    try:
        data, signed_at = _serializer(secret_key).loads(token, return_timestamp=True)
    except SignatureExpired:  # pragma: no cover - no max_age is given to loads
        raise AccountError(EXPIRED) from None
    except BadSignature:
        raise AccountError(INVALID) from None
    if not isinstance(data, dict) or data.get("p") not in MAX_AGE or not isinstance(data.get("u"), int) \
            or not isinstance(data.get("h"), str):
        raise AccountError(INVALID)
    age = (_now() if now is None else now) - signed_at.timestamp()
    if age > MAX_AGE[data["p"]]:
        raise AccountError(EXPIRED)
    user = User.get_or_none(User.id == data["u"])
    if user is None or not user.active:
        raise AccountError(INVALID)
    if not hmac.compare_digest(fingerprint(user.password_hash), data["h"]):
        raise AccountError(USED)
    return user, data["p"]


def check_new_password(new: str, confirm: str | None = None) -> None:
    if len(new or "") < MIN_LENGTH:
        raise AccountError(TOO_SHORT, n=MIN_LENGTH)
    if confirm is not None and new != confirm:
        raise AccountError(MISMATCH)


def use_token(secret_key: str, token: str, new: str, confirm: str | None = None,
              now: float | None = None) -> User:
    """Set the password a link was sent for; every session of the person ends. The row is changed
    only while it still has the hash the link saw: a second use, even a simultaneous one, fails."""
    user, purpose = read_token(secret_key, token, now)
    check_new_password(new, confirm)
    old_hash = user.password_hash
    new_hash, session_token = hash_password(new), new_session_token()
    changed = (User.update(password_hash=new_hash, session_token=session_token)
               .where((User.id == user.id) & (User.password_hash == old_hash)).execute())
    if changed != 1:
        raise AccountError(USED)
    user.password_hash, user.session_token = new_hash, session_token
    audit.record("user:password", user, instansi=user.created_in_id,
                 new={"email": user.email, "via": purpose})
    return user


def unusable_password_hash() -> str:
    """The hash of a random password nobody knows: an invited person signs in only after setting one.
    A real Argon2 hash, so a login attempt costs what any other does."""
    return hash_password(secrets.token_urlsafe(32))
