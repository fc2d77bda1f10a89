"""Who signs: a person's NIP and position (jabatan), printed under the SPTJM letter and the TPI
endorsement of the KemenPAN-RB dossier. A NIP is 18 digits; people type it in groups
(`19800101 200501 1 001`), zi stores it without the spaces."""

from __future__ import annotations

from . import audit
from .messages import DomainError
from .models import User
from .text import N_, SHORT_MAX_CHARS, TextTooLong, bounded

NIP_DIGITS = 18


class SignatoryError(DomainError):
    """A refused NIP or position; `field` names the form field it is about."""

    def __init__(self, message_id: str, field: str, /, **params):
        super().__init__(message_id, **params)
        self.field = field


def normalise_nip(text: str | None) -> str | None:
    """The NIP as stored: its 18 digits without spaces; None when nothing was typed."""
    typed = "".join((text or "").split())
    if not typed:
        return None
    if len(typed) != NIP_DIGITS or not (typed.isascii() and typed.isdigit()):
        raise SignatoryError(N_("NIP harus 18 angka (spasi boleh), misalnya 19800101 200501 1 001."), "nip")
    return typed


def set_signatory(user: User, nip: str | None, position: str | None, actor=None) -> bool:
    """Store the person's NIP and position (empty clears them); audited when anything changed.
    Returns whether anything changed; SignatoryError names the field refused."""
    new_nip = normalise_nip(nip)
    try:
        new_position = " ".join(bounded(position, SHORT_MAX_CHARS).split()) or None
    except TextTooLong as err:
        raise SignatoryError(N_("Jabatan paling panjang %(limit)s karakter."), "position",
                             limit=err.limit) from err
    old = {"nip": user.nip, "position": user.position}
    new = {"nip": new_nip, "position": new_position}
    if old == new:
        return False
    user.nip, user.position = new_nip, new_position
    user.save(only=[User.nip, User.position])
    audit.record("user:signatory", actor, instansi=user.created_in_id,
                 old={"email": user.email, **old}, new={"email": user.email, **new})
    return True
