"""Typed values shared by the importers: partial dates, amounts, identifiers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from rdflib.namespace import XSD


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, month or day: the precision the source gives, no more."""

    text: str

    @property
    def datatype(self):
        return {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(self.text)]


def parse_partial_date(text: str) -> PartialDate:
    if not re.fullmatch(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", text):
        raise ValueError(f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {text!r}")
    year, month, day = (text.split("-") + [None, None])[:3]
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValueError(f"not a real date: {text!r}") from None
    return PartialDate(text)


def luhn_valid(digits: str) -> bool:
    """The Luhn check that every SIREN passes."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def parse_amount(text: str) -> str:
    """A non-negative decimal amount in the canonical xsd:decimal form (a digit each side of the
    dot), kept as text so no float rounding creeps in and every RDF serialiser round-trips it."""
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", str(text)):
        raise ValueError(f"not an amount (digits, optional decimals with a dot): {text!r}")
    whole, _, fraction = str(text).partition(".")
    return f"{int(whole)}.{fraction.rstrip('0') or '0'}"
