"""Placeholder catalog until the extraction branch lands."""

UNIT_RANGES = {"percent": (-100.0, 1000.0), "count": (0.0, None), "km": (0.0, 1e10), "nm": (0.0, 1e6),
               "years": (0.0, 1000.0), "CNY": (0.0, None), "USD": (0.0, None), "EUR": (0.0, None), "rank": (1.0, 1000.0)}
INDICATOR_RANGES = {("rd_intensity", "percent"): (0.0, 10.0)}
UNITS = tuple(UNIT_RANGES)


def plausible_range(indicator: str, unit: str | None):
    return INDICATOR_RANGES.get((indicator, unit)) or UNIT_RANGES.get(unit)


def known_units() -> set[str]:
    return set(UNITS)
