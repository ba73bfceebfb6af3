"""Password rules (NIST SP 800-63B): at least 8 characters, not the account's own email, not a common password.

The common passwords are zxcvbn's list (30,000 passwords seen most often in breaches), shipped inside the
package: no network call, nothing to download at run time.
"""

from zxcvbn.matching import RANKED_DICTIONARIES

MIN_LENGTH = 8
_COMMON = RANKED_DICTIONARIES["passwords"]


def password_problem(password: str, email: str) -> str | None:
    """Why this password may not be used by the account with this (normalized) email, or None."""
    folded = password.casefold()
    if len(password) < MIN_LENGTH:
        return f"At least {MIN_LENGTH} characters."
    if folded in (email, email.split("@", 1)[0]):
        return "Must not be your email address."
    if folded in _COMMON:
        return "This password is too common; choose another."
    return None
