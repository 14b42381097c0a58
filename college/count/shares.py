"""Exact shares, and the only place they are rounded: for display.

Comparisons in the count (who is lowest, who exceeds one half) use the exact
fractions; the rounded figures exist only to be shown, as the party publishes them.
The party has rounded in two ways (the contest file's `display.rounding` says which):
each share half up on its own, so a table's row may add to 99.9 or 100.1 (the 2010 and
2015 deputy tables), or by largest remainder, so that it adds to exactly 100.0 (the
2020 tables).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

HALF_UP = "half-up"
LARGEST_REMAINDER = "largest-remainder"


def share(votes: int, valid: int) -> Fraction:
    """A candidate's votes as a fraction of the section's valid votes (seed 003 item 23)."""
    return Fraction(votes, valid) if valid else Fraction(0)


def percent(value: Fraction, places: int) -> str:
    """`value` (a fraction of one) as a percentage rounded half up to `places` decimals."""
    scaled = value * 100 * 10**places
    return _text((scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2), places)


def table_percents(values: Mapping[str, Fraction], places: int, rounding: str) -> dict[str, str]:
    """A table's shares (fractions of one) as percentages, rounded as the contest publishes them.

    Largest remainder: each share is cut down to `places`, then the units still missing to
    the table's total (its exact sum, rounded half up: 100 for a whole table) go one each to
    the shares that lost most, ties to the larger share and then to the earlier row, so the
    row adds to exactly the total.
    """
    if rounding == HALF_UP:
        return {name: percent(value, places) for name, value in values.items()}
    scale = 100 * 10**places
    exact = {name: value * scale for name, value in values.items()}
    whole = {name: value.numerator // value.denominator for name, value in exact.items()}
    total = sum(exact.values(), Fraction(0))
    missing = (total.numerator * 2 + total.denominator) // (total.denominator * 2) - sum(whole.values())
    order = sorted(exact, key=lambda name: (-(exact[name] - whole[name]), -exact[name], list(exact).index(name)))
    for name in order[:missing]:
        whole[name] += 1
    return {name: _text(whole[name], places) for name in values}


def _text(whole: int, places: int) -> str:
    sign = "-" if whole < 0 else ""
    digits = str(abs(whole)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else f"{sign}{digits}"


def exact(value: Fraction) -> str:
    """The exact fraction as text: "numerator/denominator", or a whole number ("0", "1")."""
    return str(value)
