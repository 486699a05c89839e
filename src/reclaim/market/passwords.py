"""The exchange's password policy (NIST SP 800-63B §5.1.1.2), told to the user in words.

No composition rules (NIST advises against them): a length range, and no password that is the
username, contains a context word (the service's name), or is one character repeated. The
figures come from `data/market/password_policy.yaml`, each with its source.
"""

from __future__ import annotations

from dataclasses import dataclass

from reclaim.errors import InputError


@dataclass(frozen=True)
class PasswordPolicy:
    """Length range, forbidden context words, and whether one repeated character is refused."""

    min_length: int
    max_length: int
    forbidden_words: tuple[str, ...]
    refuse_one_repeated_character: bool

    def in_words(self) -> str:
        """The rule as the user reads it when a password is refused."""
        words = " or ".join(repr(word) for word in self.forbidden_words)
        parts = [f"{self.min_length} to {self.max_length} characters", "not the username"]
        if self.forbidden_words:
            parts.append(f"not containing {words}")
        if self.refuse_one_repeated_character:
            parts.append("not one character repeated")
        return "a password of " + ", ".join(parts)

    def check(self, password: str, username: str, field: str = "password") -> None:
        """Refuse (`InputError`, the value masked) a password that breaks the policy."""
        lowered = password.casefold()
        broken = (
            not self.min_length <= len(password) <= self.max_length
            or lowered == username.casefold()
            or any(word.casefold() in lowered for word in self.forbidden_words)
            or (self.refuse_one_repeated_character and len(set(password)) == 1)
        )
        if broken:
            raise InputError(field, "***", self.in_words())
