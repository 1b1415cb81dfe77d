"""Which columns look like personal data or secrets: their values never reach a profile.

Decided on the words of the column name (split on `_`, digits and camelCase), not on substrings, so
`email_address`, `clientIp` and `zip_code` match while `tip_amount` does not match `ip`. `name` alone is personal (`employees.name`), a qualified name only when the qualifier is
a person (`first_name`, `contact_name`), not `plan_name` or `product_name`. Operators add their own
patterns (DRAFT_EXCLUDE_COLUMNS: shell-style, matched against `column` and `table.column`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

PERSONAL_WORDS = frozenset(
    [
        "email",
        "mail",
        "phone",
        "mobile",
        "fax",
        "telephone",
        "tel",
        "address",
        "addr",
        "street",
        "zip",
        "zipcode",
        "postcode",
        "postal",
        "token",
        "password",
        "passwd",
        "pwd",
        "secret",
        "ssn",
        "iban",
        "bic",
        "swift",
        "ip",
        "birth",
        "birthday",
        "birthdate",
        "dob",
        "passport",
        "salary",
        "card",
        "cvv",
        "cvc",
        "pin",
        "apikey",
        "signature",
        "latitude",
        "longitude",
        "lat",
        "lng",
        "lon",
        "credentials",
        "credential",
        "hash",
        "salt",
        "otp",
    ]
)
PERSON_QUALIFIERS = frozenset(
    [
        "first",
        "last",
        "full",
        "middle",
        "sur",
        "given",
        "family",
        "maiden",
        "nick",
        "user",
        "customer",
        "contact",
        "person",
        "employee",
        "display",
        "legal",
        "owner",
        "patient",
        "member",
        "holder",
        "account",
    ]
)
JOINED = frozenset({"firstname", "lastname", "fullname", "surname", "username", "nickname", "givenname"})


@dataclass(frozen=True)
class ColumnPolicy:
    """Extra exclusions from settings; `personal(table, column)` is the decision."""

    extra_patterns: tuple[str, ...] = ()

    @classmethod
    def from_setting(cls, value: str | Sequence[str] | None) -> ColumnPolicy:
        items = value.split(",") if isinstance(value, str) else list(value or ())
        return cls(tuple(p.strip().lower() for p in items if p.strip()))

    def personal(self, table: str, column: str) -> bool:
        lowered = column.lower()
        if any(
            fnmatchcase(lowered, p) or fnmatchcase(f"{table.lower()}.{lowered}", p)
            for p in self.extra_patterns
        ):
            return True
        return looks_personal(column)


def looks_personal(column: str) -> bool:
    words = name_words(column)
    if not words:
        return False
    if any(w in PERSONAL_WORDS or w in JOINED for w in words):
        return True
    return _person_name(words)


def _person_name(words: list[str]) -> bool:
    if "name" not in words:
        return False
    if words == ["name"]:
        return True
    index = words.index("name")
    return index > 0 and words[index - 1] in PERSON_QUALIFIERS


def name_words(name: str) -> list[str]:
    """`customerEmail2` -> ['customer', 'email']; `ip_addr` -> ['ip', 'addr']."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^a-z]+", spaced.lower()) if w]
