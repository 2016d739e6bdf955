"""Units and the one integer scale used by the whole project.

CP-SAT takes integer coefficients only, so the :class:`~geodata.instance.Instance` stores every
quantity that reaches the model as an integer in a *base unit*. The scale is defined here and
nowhere else:

=================  ==============================  ===========================
quantity           data column (original unit)     Instance field (base unit)
=================  ==============================  ===========================
land area          ``area_mu``, ``land_mu`` (亩)    ``*_cmu`` — 0.01 亩 (centi-mu)
floor area         ``floor_area_m2``, ``floor_m2``  ``*_m2`` — 1 m²
money              ``investment_yi``, ``output_yi``  ``*_wan`` — 1 万元
                   (亿元), ``tax_wan`` (万元)
jobs               ``jobs``                         ``jobs`` — 1 person
=================  ==============================  ===========================

Conversions round half away from zero (never banker's rounding) so that the same data always
produce the same integers.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

#: Square metres per 亩 (exactly 10000/15).
M2_PER_MU: float = 10000.0 / 15.0
#: 亩 per 公顷 (hectare).
MU_PER_HECTARE: int = 15
#: 万元 per 亿元.
WAN_PER_YI: int = 10000
#: Land area base units per 亩 (base unit = 0.01 亩).
CMU_PER_MU: int = 100


def _round(x: float) -> int:
    if not math.isfinite(x):
        raise ValueError(f"not a finite number: {x!r}")
    return int(Decimal(repr(float(x))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def mu_to_cmu(area_mu: float) -> int:
    """Convert 亩 to the integer base unit (0.01 亩)."""
    return _round(area_mu * CMU_PER_MU)


def cmu_to_mu(area_cmu: int) -> float:
    """Convert base units (0.01 亩) back to 亩."""
    return area_cmu / CMU_PER_MU


def m2_to_mu(area_m2: float) -> float:
    """Convert square metres to 亩."""
    return area_m2 / M2_PER_MU


def yi_to_wan(amount_yi: float) -> int:
    """Convert 亿元 to integer 万元."""
    return _round(amount_yi * WAN_PER_YI)


def wan_to_yi(amount_wan: float) -> float:
    """Convert 万元 to 亿元."""
    return amount_wan / WAN_PER_YI


def to_int(x: float) -> int:
    """Round a quantity that is already in its base unit."""
    return _round(x)
