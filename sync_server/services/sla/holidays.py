"""A country's public holidays for one year, from the ``holidays`` package, for an admin to
load into a business calendar (``GET /api/sla/holidays``); nothing is stored.

Names come in the country's own language (``Neujahr``), as the desk's admins know them. An
unknown country or subdivision is a 422 naming the field.
"""

from __future__ import annotations

from typing import NoReturn

import holidays as holiday_tables

from sync_server.errors import Invalid
from ticketing.sla_schemas import Holiday, HolidaysOut


def public_holidays(country: str, year: int, subdivision: str | None = None) -> HolidaysOut:
    """The holidays of ``country`` (ISO 3166 alpha-2, ``DE``) in ``year``, with those of
    ``subdivision`` (``BY``) if given, in date order."""
    code = country.upper()
    subdivisions = holiday_tables.list_supported_countries().get(code)
    if subdivisions is None:
        _refuse("country", f"no holidays are known for the country {country!r}")
    if subdivision is not None:
        subdivision = _known_subdivision(code, subdivision, subdivisions)
    language = holiday_tables.country_holidays(code).default_language
    table = holiday_tables.country_holidays(code, subdiv=subdivision, years=year, language=language)
    days = [Holiday(date=day, name=name) for day, name in sorted(table.items())]
    return HolidaysOut(country=code, subdivision=subdivision, year=year, holidays=days)


def _known_subdivision(code: str, subdivision: str, subdivisions: list[str]) -> str:
    """The package's spelling of ``subdivision`` (``by`` -> ``BY``)."""
    spelled = next((known for known in subdivisions if known.casefold() == subdivision.casefold()), None)
    if spelled is None:
        _refuse(
            "subdivision", f"{code} has no subdivision {subdivision!r}: use one of {', '.join(subdivisions)}"
        )
    return spelled


def _refuse(field: str, message: str) -> NoReturn:
    raise Invalid(message, code="invalid_holidays", fields=[{"field": field, "message": message}])
