"""Member passwords, hashed with argon2id (argon2-cffi's defaults follow RFC 9106), and the
one rule every new password meets, wherever it is chosen (sign-up, invite, account page,
``tixallo user set-password``, ``tixallo workspace create``)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tixallo.errors import Invalid

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8

#: The rule in words, shown as a hint beside every field where a password is chosen.
PASSWORD_RULE = (
    f"At least {MIN_PASSWORD_LENGTH} characters, not only spaces, "
    "and not one of the most common passwords."
)


@cache
def common_passwords() -> frozenset[str]:
    """The most common passwords of at least MIN_PASSWORD_LENGTH characters, lower-cased:
    the first 10,000 of the xato.net 10-million-password corpus (the list SecLists and
    zxcvbn ship). Shorter ones are refused by length already. Loaded once, on first use."""
    text = files("tixallo.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line)


def check_new_password(password: str, *, param: str = "password") -> str:
    """Raise :class:`Invalid` naming ``param`` unless ``password`` may be chosen now.

    Only new passwords are checked: one that proves an existing account is compared with
    its hash, never against this rule, so older passwords keep working. Case and the
    spaces around it do not make a common password uncommon."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.", param=param
        )
    if not password.strip():
        raise Invalid("The password must not be only spaces.", param=param)
    if password.strip().lower() in common_passwords():
        raise Invalid(
            "That password is one of the most common ones, which are guessed first. "
            "Choose another.",
            param=param,
        )
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
