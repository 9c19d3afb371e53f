"""How long an SMS is: characters and segments, the way phone networks count them.

A text that fits the GSM 03.38 alphabet is sent 7 bits a character: 160 characters in
one segment, 153 a segment when it needs more (the rest carries the joining header).
The characters of the extension table (€ [ ] { } ...) count twice. Any other
character (emoji, ő, ...) makes the whole text UCS-2: 70 in one segment, 67 a
segment beyond. ``static/customer_messages.js`` counts the same way while typing.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # capacity of a segment for this text

    @property
    def remaining(self) -> int:
        """Characters left in the last segment."""
        return self.segments * self.per_segment - self.units if self.units else self.per_segment


def sms_length(text: str) -> SmsLength:
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        units = sum(2 if char in GSM_EXTENSION else 1 for char in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units <= single:
        return SmsLength(encoding, units, 1 if units else 0, single)
    segments = -(-units // multi)
    return SmsLength(encoding, units, segments, multi)
