"""Normalising and checking single values (codes, e-mail, phones, countries).

Shared by the forms and the import, so a value accepted in one is accepted in
the other. Messages are lazy translations; no request context is needed to
build them.
"""

from __future__ import annotations

from functools import lru_cache

import email_validator
import pycountry
from flask_babel import lazy_gettext as _l

from . import phone_numbers


class InvalidValue(ValueError):
    """A value that cannot be stored; ``str(exc)`` is the message for the user."""


def clean_text(value: object) -> str | None:
    """Trimmed text, or None for empty input."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def normalise_code(value: object) -> str | None:
    """A customer code as stored: trimmed, empty means none. Case is kept for display."""
    return clean_text(value)


def code_key(code: str | None) -> str | None:
    """The form in which two codes are compared: trimmed and lower-cased."""
    code = normalise_code(code)
    return code.lower() if code else None


def normalise_email(value: object) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    try:
        result = email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise InvalidValue(_l("Not a valid e-mail address: %(reason)s", reason=str(exc))) from exc
    return result.normalized


def normalise_phone(value: object, default_region: str = "NL") -> str | None:
    """A phone number in international format (+31 6 12345678), or InvalidValue."""
    number = analyse_phone(value, default_region)
    return number.international if number is not None else None


def analyse_phone(value: object, default_region: str = "NL") -> phone_numbers.PhoneNumber | None:
    """The number in international form and its national digits, or InvalidValue."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        return phone_numbers.analyse(text, default_region or None)
    except phone_numbers.PhoneNumberError as exc:
        if exc.reason == "unparsable":
            raise InvalidValue(
                _l(
                    "Not a valid phone number: %(value)s. Use a format like +31 20 1234567.",
                    value=text,
                )
            ) from exc
        raise InvalidValue(
            _l(
                "Not a valid phone number: %(value)s. Check the number of digits and the "
                "country code.",
                value=text,
            )
        ) from exc


def national_digits(phone: str) -> str | None:
    """The digits of a stored phone number as dialled inside its country (0612345678)."""
    try:
        return phone_numbers.analyse(phone, None).national_digits or None
    except phone_numbers.PhoneNumberError:
        return None


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    """Lower-cased ISO codes and English names → alpha-2 code."""
    index: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for name in (
            code,
            country.alpha_3,
            country.name,
            getattr(country, "common_name", None),
            getattr(country, "official_name", None),
        ):
            if name:
                index[name.lower()] = code
    index.update(_DUTCH_COUNTRY_NAMES)
    return index


# Dutch names of the countries our users most often write in Dutch.
_DUTCH_COUNTRY_NAMES = {
    "nederland": "NL",
    "belgië": "BE",
    "belgie": "BE",
    "duitsland": "DE",
    "frankrijk": "FR",
    "verenigd koninkrijk": "GB",
    "groot-brittannië": "GB",
    "engeland": "GB",
    "spanje": "ES",
    "italië": "IT",
    "italie": "IT",
    "oostenrijk": "AT",
    "zwitserland": "CH",
    "luxemburg": "LU",
    "denemarken": "DK",
    "zweden": "SE",
    "noorwegen": "NO",
    "polen": "PL",
    "portugal": "PT",
    "ierland": "IE",
    "griekenland": "GR",
    "verenigde staten": "US",
    "turkije": "TR",
    "marokko": "MA",
    "suriname": "SR",
    "curaçao": "CW",
    "aruba": "AW",
}


def normalise_country(value: object) -> str | None:
    """An ISO 3166 alpha-2 code from a code or an English or Dutch name."""
    text = clean_text(value)
    if text is None:
        return None
    code = _country_index().get(text.lower())
    if code is None:
        raise InvalidValue(_l("Unknown country: %(value)s", value=text))
    return code


@lru_cache(maxsize=1)
def country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name, for pickers."""
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda pair: pair[1])


def country_name(code: str | None) -> str:
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code
