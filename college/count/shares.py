"""Exact shares, and the only place they are rounded: for display.

Comparisons in the count (who is lowest, who exceeds one half) use the exact
fractions; the rounded figures exist only to be shown, as the party publishes them.
"""

from __future__ import annotations

from fractions import Fraction


def share(votes: int, valid: int) -> Fraction:
    """A candidate's votes as a fraction of the section's valid votes (seed 003 item 23)."""
    return Fraction(votes, valid) if valid else Fraction(0)


def percent(value: Fraction, places: int) -> str:
    """`value` (a fraction of one) as a percentage rounded half up to `places` decimals."""
    scaled = value * 100 * 10**places
    whole = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    sign = "-" if whole < 0 else ""
    digits = str(abs(whole)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else f"{sign}{digits}"


def exact(value: Fraction) -> str:
    """The exact fraction as text: "numerator/denominator", or a whole number ("0", "1")."""
    return str(value)
