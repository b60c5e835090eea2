"""Password hashing with argon2id (argon2-cffi defaults, RFC 9106 low-memory profile)."""

import string
from functools import cache
from importlib import resources
from itertools import pairwise

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from care.vocab import PASSWORD_MIN_LENGTH

DEFAULT_TIME_COST = 3  # argon2-cffi's defaults: RFC 9106's low-memory profile
DEFAULT_MEMORY_KIB = 64 * 1024

_hasher = PasswordHasher(time_cost=DEFAULT_TIME_COST, memory_cost=DEFAULT_MEMORY_KIB)
# Verifying against this keeps the time for an unknown email the same as for a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, used to even out timing")


def configure(time_cost: int = DEFAULT_TIME_COST, memory_kib: int = DEFAULT_MEMORY_KIB) -> None:
    """Set the argon2id cost for new hashes (older hashes are upgraded at the next sign-in)."""
    global _hasher, _DUMMY_HASH
    if (_hasher.time_cost, _hasher.memory_cost) == (time_cost, memory_kib):
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    _DUMMY_HASH = _hasher.hash("not a real password, used to even out timing")


MIN_PASSWORD_LENGTH = PASSWORD_MIN_LENGTH
_ENDS = string.digits + string.punctuation + " "


@cache
def common_passwords() -> frozenset[str]:
    """The common-password list shipped with the package (common_passwords.txt)."""
    text = resources.files("care.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def _a_run(text: str) -> bool:
    """True for a plain run such as abcdefghijkl, 123456789012 or 987654321098."""
    if text.isdigit():  # digits run round: ...8901 and ...1098 are runs too
        steps = {(int(b) - int(a)) % 10 for a, b in pairwise(text)}
        return len(steps) == 1 and steps <= {0, 1, 9}
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def _repeated(text: str) -> bool:
    """True when the text is one shorter piece said again and again (e.g. abcabcabcabc)."""
    size = len(text)
    return any(size % k == 0 and text == text[:k] * (size // k) for k in range(1, size // 2 + 1))


def weakness(password: str, email: str = "") -> str | None:
    """Why a new password would be easy to guess, in a sentence; None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must be at least {MIN_PASSWORD_LENGTH} characters long"
    lowered = password.lower()
    core = lowered.strip(_ENDS)
    if len(set(lowered)) < 5:
        return "the password repeats too few different characters; use a few unrelated words"
    if lowered in common_passwords() or core in common_passwords():
        return "this is one of the passwords guessers try first; use a few unrelated words instead"
    if _a_run(lowered) or _a_run(core) or _repeated(lowered):
        return "the password is a simple run or repetition; use a few unrelated words"
    name = email.split("@", 1)[0].lower()
    if len(name) >= 4 and name in lowered:
        return "the password contains your email address; choose one that does not"
    return None


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; runs a full verification even without a hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
