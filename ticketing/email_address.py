"""Email addresses as an on-premise help desk has them: any syntactically valid address, on any
domain, including the internal ones of a company network (``ann@corp.local``,
``bob@it.internal``) that public-mail validators refuse as "special-use".

The syntax is checked by ``email-validator`` (local part, domain labels, IDNA), without its
refusal of special-use and reserved domains and without any DNS look-up: whether a domain gets
mail is for the SMTP server the admin configured to know, and a mail it refuses is marked failed
with its answer, like any other.
"""

from __future__ import annotations

from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, WithJsonSchema

#: The longest address SMTP carries (RFC 5321 path limit less the angle brackets).
MAX_LENGTH = 254
#: How email-validator words its refusal of a special-use top-level name (``local``, ``test``...).
_SPECIAL_USE = "special-use or reserved name"


def _checked(address: str) -> tuple[str, str]:
    try:
        result = validate_email(address, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError as error:
        raise ValueError(f"not a valid email address: {error}") from None
    return result.local_part, result.domain


def normalized_address(value: str) -> str:
    """``value`` as one spelling (domain in lower case and IDNA-normalized), or ValueError
    naming what is wrong with it."""
    text = value.strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(
            "not a valid email address: it needs a name, an @ and a domain, such as ann@corp.example"
        )
    try:
        local_part, checked_domain = _checked(text)
    except ValueError as error:
        if _SPECIAL_USE not in str(error):
            raise
        # Everything before that check passed. The special-use names are single top-level
        # labels of plain letters: check the rest with a stand-in of the same length.
        head, dot, top = domain.rpartition(".")
        local_part, stand_in = _checked(f"{local}@{head}{dot}{'x' * len(top)}")
        checked_domain = stand_in[: -len(top)] + top.lower()
    address = f"{local_part}@{checked_domain}"
    if len(address.encode()) > MAX_LENGTH:
        raise ValueError(f"not a valid email address: it may be at most {MAX_LENGTH} bytes long")
    return address


def _validated(value: Any) -> str:
    return normalized_address(str(value))


EmailAddress = Annotated[
    str,
    AfterValidator(_validated),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": MAX_LENGTH}),
]
