"""Phone numbers: parse, check and format with ``phonenumbers``, fast for plain input.

``phonenumbers`` is exact but costs ~130 µs per number (parse, validity, two formats),
which alone would take 17 s for the phone columns of a 100,000-row import. Almost
every number users type is plain: digits with spaces, dashes, dots, slashes or
brackets, optionally after a ``+``. For those, :func:`analyse` runs the same steps
as ``phonenumbers.parse`` + ``is_valid_number`` + ``format_number`` directly on the
library's own metadata, with the patterns compiled once per country. Whenever the
input is not plain, or a step would take a branch the fast path does not reproduce
(international dialling prefixes, a national prefix after the country code, leading
zeros, country codes shared by several regions, anything invalid), it falls back to
the library itself, so the result is always the library's result
(``tests/unit/test_phone_numbers.py`` checks that on numbers of every region).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from re import _parser  # type: ignore[attr-defined]  # typeshed lacks 3.11+'s re._parser

import phonenumbers
from phonenumbers import phonenumberutil as util


@dataclass(frozen=True)
class PhoneNumber:
    international: str  # +31 6 12345678, the stored form
    national_digits: str  # 0612345678, as dialled inside the country


class PhoneNumberError(ValueError):
    """Not a valid phone number; ``reason`` is ``unparsable`` or ``invalid``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_PLAIN = re.compile(r"\+?[0-9][0-9 ()./\-]*")
_NOT_DIGIT = re.compile(r"\D")
# Validity only asks whether any type matches, so the common types go first.
_TYPE_DESCS = (
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)
_GROUP_REFERENCE = re.compile(r"\\(\d)")
_SIMPLE_RULE = re.compile(r"(?:[^\\$]|\\\d)*")


def _compile_rule(rule: str) -> list[str | int] | None:
    """``\\1 \\2`` as literal pieces and group numbers; None for anything else."""
    if not _SIMPLE_RULE.fullmatch(rule):
        return None
    pieces: list[str | int] = []
    for index, piece in enumerate(_GROUP_REFERENCE.split(rule)):
        if index % 2:
            pieces.append(int(piece))
        elif piece:
            pieces.append(piece)
    return pieces


def _expand(match: re.Match[str], rule: str, pieces: list[str | int] | None) -> str:
    if pieces is None:
        return match.expand(rule)
    # A loop, not a generator: this runs twice for every number of an import.
    out: list[str] = []
    for piece in pieces:
        if isinstance(piece, int):
            out.append(match.group(piece) or "")
        else:
            out.append(piece)
    return "".join(out)


@dataclass(frozen=True)
class _Format:
    leading: re.Pattern[str] | None
    pattern: re.Pattern[str]
    rule: str
    national_rule: str  # the rule with the national prefix formatting applied
    pieces: list[str | int] | None
    national_pieces: list[str | int] | None


_DIGIT_GROUPS = re.compile(r"(?:\((?:\\d(?:\{\d+(?:,\d+)?\})?)+\))+")
_LOOKAROUND = re.compile(r"\(\?<?[=!]")
_MEMO_PREFIX_MAX = 5
_MEMO_SIZE_MAX = 100_000


class _FormatChoice:
    """phonenumbers' choice of a format for a number, remembered where that is exact.

    The library takes the first format whose leading-digits pattern matches the start
    of the number and whose pattern matches all of it. When every leading pattern reads
    at most K digits (no look-arounds) and every pattern is made of digit groups only,
    that choice depends on the first K digits and the length alone, so it is
    remembered under that key; otherwise it is made anew for every number.
    """

    def __init__(self, formats: list[_Format]) -> None:
        self.formats = formats
        widths = [
            _parser.parse(item.leading.pattern).getwidth()[1] if item.leading else 0
            for item in formats
        ]
        exact = all(
            _DIGIT_GROUPS.fullmatch(item.pattern.pattern)
            and not (item.leading and _LOOKAROUND.search(item.leading.pattern))
            for item in formats
        )
        self.prefix = max(widths, default=0)
        self.memo: dict[tuple[int, str], _Format | None] | None = (
            {} if exact and self.prefix <= _MEMO_PREFIX_MAX else None
        )

    def _choose(self, nsn: str) -> _Format | None:
        for item in self.formats:
            if (item.leading is None or item.leading.match(nsn)) and item.pattern.fullmatch(nsn):
                return item
        return None

    def apply(self, nsn: str, *, national: bool) -> str:
        if self.memo is None:
            chosen = self._choose(nsn)
        else:
            key = (len(nsn), nsn[: self.prefix])
            try:
                chosen = self.memo[key]
            except KeyError:
                chosen = self._choose(nsn)
                if len(self.memo) < _MEMO_SIZE_MAX:
                    self.memo[key] = chosen
        if chosen is None:
            return nsn
        # phonenumbers uses pattern.sub(); the pattern matches the whole number once, so
        # expanding that one match is the same.
        match = chosen.pattern.fullmatch(nsn)
        assert match is not None
        if national:
            return _expand(match, chosen.national_rule, chosen.national_pieces)
        return _expand(match, chosen.rule, chosen.pieces)


class _Country:
    """The metadata of one country code, compiled for repeated use."""

    def __init__(self, metadata: phonenumbers.PhoneMetadata) -> None:
        self.metadata = metadata
        self.code = metadata.country_code
        self.prefix = f"+{self.code} "
        general = metadata.general_desc
        self.general = self._desc(general)
        self.types = [
            self._desc(getattr(metadata, name))
            for name in _TYPE_DESCS
            if self._has_pattern(getattr(metadata, name))
        ]
        self.national_prefix = (
            re.compile(metadata.national_prefix_for_parsing)
            if metadata.national_prefix_for_parsing
            else None
        )
        self.simple_national_prefix = not metadata.national_prefix_transform_rule
        self.idd = (
            re.compile(metadata.international_prefix) if metadata.international_prefix else None
        )
        self.international_formats = _FormatChoice(
            [self._format(item) for item in (metadata.intl_number_format or metadata.number_format)]
        )
        self.national_formats = _FormatChoice(
            [self._format(item) for item in metadata.number_format]
        )

    @staticmethod
    def _has_pattern(desc: object) -> bool:
        return desc is not None and bool(getattr(desc, "national_number_pattern", None))

    @staticmethod
    def _desc(
        desc: phonenumbers.PhoneNumberDesc | None,
    ) -> tuple[frozenset[int], re.Pattern[str]] | None:
        if desc is None or not desc.national_number_pattern:
            return None
        return frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern)

    @staticmethod
    def _format(item: phonenumbers.NumberFormat) -> _Format:
        leading = (
            re.compile(item.leading_digits_pattern[-1]) if item.leading_digits_pattern else None
        )
        pattern, rule = item.pattern, item.format
        if pattern is None or rule is None:
            raise ValueError("phonenumbers metadata: a number format without pattern or rule")
        national_rule = rule
        if item.national_prefix_formatting_rule:
            national_rule = util._FIRST_GROUP_PATTERN.sub(
                item.national_prefix_formatting_rule, rule, count=1
            )
        return _Format(
            leading,
            re.compile(pattern),
            rule,
            national_rule,
            _compile_rule(rule),
            _compile_rule(national_rule),
        )

    @staticmethod
    def _matches(desc: tuple[frozenset[int], re.Pattern[str]] | None, nsn: str) -> bool:
        if desc is None:
            return False
        lengths, pattern = desc
        if lengths and len(nsn) not in lengths:
            return False
        return pattern.fullmatch(nsn) is not None

    def is_valid(self, nsn: str) -> bool:
        if not self._matches(self.general, nsn):
            return False
        return any(self._matches(desc, nsn) for desc in self.types)

    def viable(self, nsn: str) -> bool:
        # phonenumbers' _match_national_number against the general description
        # (pattern only, no length check).
        return self.general is not None and self.general[1].fullmatch(nsn) is not None

    def format(self, nsn: str) -> PhoneNumber:
        national = self.national_formats.apply(nsn, national=True)
        return PhoneNumber(
            international=self.prefix + self.international_formats.apply(nsn, national=False),
            national_digits=_NOT_DIGIT.sub("", national),
        )


@cache
def _country(code: int) -> _Country | None:
    """Compiled metadata for a country code used by exactly one region, else None."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ())
    if len(regions) != 1 or regions[0] == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(regions[0], None)
    return _Country(metadata) if metadata is not None else None


@cache
def _region_country(region: str) -> _Country | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)
    return _country(metadata.country_code) if metadata is not None else None


def _fast(text: str, region: str | None) -> PhoneNumber | None:
    """The library's answer for plain input, or None when the library must decide."""
    if _PLAIN.fullmatch(text) is None:
        return None
    digits = _NOT_DIGIT.sub("", text)
    if text.startswith("+"):
        code, rest = util._extract_country_code(digits)
        country = _country(code) if code else None
    else:
        country = _region_country(region) if region else None
        if (
            country is None
            or (country.idd is not None and country.idd.match(digits))
            or digits.startswith(str(country.code))
        ):
            return None  # dialling prefixes and country codes: the library's rules
        rest = digits
    if country is None or len(rest) < util._MIN_LENGTH_FOR_NSN:
        return None
    nsn = rest
    if country.national_prefix is not None:
        match = country.national_prefix.match(rest)
        if match is not None:
            if text.startswith("+") or not country.simple_national_prefix or match.groups():
                return None
            stripped = rest[match.end() :]
            if not (country.viable(rest) and not country.viable(stripped)):
                length = util._test_number_length(stripped, country.metadata)
                if length not in (
                    util.ValidationResult.TOO_SHORT,
                    util.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
                    util.ValidationResult.INVALID_LENGTH,
                ):
                    nsn = stripped
    if (
        not (util._MIN_LENGTH_FOR_NSN <= len(nsn) <= util._MAX_LENGTH_FOR_NSN)
        or nsn.startswith("0")
        or not country.is_valid(nsn)
    ):
        return None
    return country.format(nsn)


def _slow(text: str, region: str | None) -> PhoneNumber:
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException as exc:
        raise PhoneNumberError("unparsable") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneNumberError("invalid")
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return PhoneNumber(
        international=phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        ),
        national_digits=_NOT_DIGIT.sub("", national),
    )


def analyse(text: str, region: str | None = "NL") -> PhoneNumber:
    """The number in ``text`` (trimmed, not empty) read with ``region`` as the default.

    Raises :class:`PhoneNumberError` when it is not a valid phone number.
    """
    return _fast(text, region) or _slow(text, region)
