"""The fast path of ``iris_admin.phone_numbers`` gives exactly the library's answers.

Numbers of every region and type (the library's own examples), written the ways
people write them, with digits changed, added and dropped, read with several
default regions: each must give what ``phonenumbers`` itself gives (the same
international form and national digits, or an error).
"""

from __future__ import annotations

import random

import phonenumbers
import pytest

from iris_admin import phone_numbers
from iris_admin.phone_numbers import PhoneNumberError, analyse

FORMATS = (
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
)
DEFAULT_REGIONS = ("NL", "DE", "BE", "GB", "US", "FR", "IT", None)


def library(text: str, region: str | None) -> tuple[str, str] | str:
    try:
        return astuple(phone_numbers._slow(text, region))
    except PhoneNumberError as exc:
        return exc.reason


def astuple(number: phone_numbers.PhoneNumber) -> tuple[str, str]:
    return number.international, number.national_digits


def ours(text: str, region: str | None) -> tuple[str, str] | str:
    try:
        return astuple(analyse(text, region))
    except PhoneNumberError as exc:
        return exc.reason


def example_texts() -> list[str]:
    rng = random.Random(7)
    texts: set[str] = set()
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (
            phonenumbers.PhoneNumberType.FIXED_LINE,
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.TOLL_FREE,
            phonenumbers.PhoneNumberType.VOIP,
        ):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            for style in FORMATS:
                text = phonenumbers.format_number(number, style)
                texts.add(text)
                digits = "".join(ch for ch in text if ch.isdigit())
                for _ in range(3):  # change, add and drop digits
                    position = rng.randrange(len(digits))
                    changed = digits[:position] + str(rng.randrange(10)) + digits[position + 1 :]
                    texts.add(("+" if text.startswith("+") else "") + changed)
                texts.add(text + str(rng.randrange(10)))
                texts.add(text[:-1])
                texts.add(text.replace(" ", "-"))
    texts.update(
        [
            "0612345678",
            "06-12345678",
            "(020) 123 4567",
            "+31 (0)20 1234567",
            "0031 20 1234567",
            "31201234567",
            "+31201234567",
            "020/1234567",
            "+31 6 1234 5678",
            "06.12.34.56.78",
            "+3161234567",
            "1",
            "12",
            "+",
            "0",
            "+999 1234567",
            "+800 12345678",
            "+1 212 555 0123",
            "+44 20 7946 0958",
            "+39 06 1234 5678",
            "+49 30 123456",
            "0032 2 123 45 67",
            "123456789012345678",
        ]
    )
    return sorted(texts)


@pytest.mark.parametrize("region", DEFAULT_REGIONS)
def test_fast_path_gives_the_library_answer_for_every_region(region: str | None) -> None:
    texts = example_texts()
    differences = [
        (text, ours(text, region), library(text, region))
        for text in texts
        if ours(text, region) != library(text, region)
    ]
    assert differences == []
    # The fast path really answers most plain numbers itself.
    fast = sum(phone_numbers._fast(text, region) is not None for text in texts)
    assert fast > len(texts) / 4


def test_common_dutch_numbers_take_the_fast_path() -> None:
    for text in ("0612345678", "06 1234 5678", "+31 6 12345678", "020 123 4567", "+31201234567"):
        assert phone_numbers._fast(text, "NL") is not None, text
    assert astuple(analyse("0612345678")) == ("+31 6 12345678", "0612345678")
    assert astuple(analyse("+31 20 123 4567")) == ("+31 20 123 4567", "0201234567")


def test_letters_and_extensions_go_to_the_library() -> None:
    assert phone_numbers._fast("020 123 4567 ext. 12", "NL") is None
    assert astuple(analyse("020 123 4567 ext. 12"))[0].startswith("+31 20 123 4567")
    with pytest.raises(PhoneNumberError):
        analyse("call me", "NL")
