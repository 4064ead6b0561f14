"""pandera schemas for the indicator record (CONTRACT section 1), run lazily so a bad record costs only itself."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tracker.models import KINDS, TOPICS, Failure, IndicatorRecord

PERIOD_PATTERN = r"^\d{4}(-\d{4})?$"
FIRST_YEAR, LAST_YEAR = 1900, 2100
SNAKE_CASE = r"^[a-z][a-z0-9_]*$"


class IndicatorRecordSchema(pa.DataFrameModel):
    """One row per extracted record, plus the columns the cross-field checks need."""

    source_id: Series[str] = pa.Field(str_length={"min_value": 1})
    indicator: Series[str] = pa.Field(str_matches=SNAKE_CASE)
    label: Series[str] = pa.Field(str_length={"min_value": 1})
    subject: Series[str] = pa.Field(str_length={"min_value": 1})
    kind: Series[str] = pa.Field(isin=list(KINDS))
    value: Series[float] = pa.Field(nullable=True)
    unit: Series[str] = pa.Field(nullable=True)
    period: Series[str] = pa.Field(nullable=True, str_matches=PERIOD_PATTERN)
    topic: Series[str] = pa.Field(isin=list(TOPICS))
    value_text: Series[str] = pa.Field(str_length={"min_value": 1})
    evidence: Series[str] = pa.Field(str_length={"min_value": 1})
    char_start: Series[int] = pa.Field(ge=0)
    char_end: Series[int] = pa.Field(ge=1)
    # Filled in from the document and the catalog before validation:
    text_at_offsets: Series[str] = pa.Field(nullable=True)
    unit_known: Series[bool]
    range_min: Series[float] = pa.Field(nullable=True)
    range_max: Series[float] = pa.Field(nullable=True)

    @pa.dataframe_check(name="value_unit_together")
    def value_and_unit_set_together(cls, frame: pd.DataFrame) -> Series[bool]:
        return frame["value"].isna() == frame["unit"].isna()

    @pa.dataframe_check(name="known_unit")
    def unit_in_catalog(cls, frame: pd.DataFrame) -> Series[bool]:
        return frame["unit"].isna() | frame["unit_known"]

    @pa.dataframe_check(name="offsets_match")
    def offsets_locate_value_text(cls, frame: pd.DataFrame) -> Series[bool]:
        return (frame["char_end"] > frame["char_start"]) & (frame["text_at_offsets"] == frame["value_text"])

    @pa.dataframe_check(name="period_range")
    def period_years_plausible(cls, frame: pd.DataFrame) -> Series[bool]:
        years = frame["period"].str.extract(r"^(\d{4})(?:-(\d{4}))?$").astype("float64")
        start, end = years[0], years[1].fillna(years[0])
        in_range = start.between(FIRST_YEAR, LAST_YEAR) & end.between(FIRST_YEAR, LAST_YEAR) & (start <= end)
        return frame["period"].isna() | in_range.fillna(False)

    @pa.dataframe_check(name="plausible_range")
    def value_in_plausible_range(cls, frame: pd.DataFrame) -> Series[bool]:
        value = frame["value"]
        above_min = frame["range_min"].isna() | (value >= frame["range_min"])
        below_max = frame["range_max"].isna() | (value <= frame["range_max"])
        return value.isna() | (above_min & below_max)

    class Config:
        strict = False
        coerce = False


RECORD_FIELDS = list(IndicatorRecord.__dataclass_fields__)
# Record-wide checks and the stable reason code each one reports.
RECORD_CHECKS = {
    "value_unit_together": "value_unit_mismatch",
    "known_unit": "unknown_unit",
    "offsets_match": "offsets_mismatch",
    "period_range": "period_out_of_range",
    "plausible_range": "implausible_value",
}


def records_frame(records: list[IndicatorRecord], texts: dict[str, str], plausible_range, known_units) -> pd.DataFrame:
    """The records as a frame with the context columns the checks read."""
    rows = []
    for record in records:
        text = texts.get(record.source_id)
        bounds = plausible_range(record.indicator, record.unit) if record.unit else None
        rows.append({
            **record.to_dict(),
            "text_at_offsets": text[record.char_start:record.char_end] if text is not None else None,
            "unit_known": record.unit in known_units,
            "range_min": bounds[0] if bounds and bounds[0] is not None else None,
            "range_max": bounds[1] if bounds and bounds[1] is not None else None,
        })
    frame = pd.DataFrame(rows, columns=RECORD_FIELDS + ["text_at_offsets", "unit_known", "range_min", "range_max"])
    return frame.astype({"value": "float64", "range_min": "float64", "range_max": "float64",
                         "char_start": "int64", "char_end": "int64", "unit_known": "bool",
                         "value_precision": "float64"})


def validate_records(records: list[IndicatorRecord], texts: dict[str, str], plausible_range,
                     known_units) -> tuple[list[IndicatorRecord], list[Failure]]:
    """Keep the records that pass every check; each one that fails becomes a Failure per failed check."""
    if not records:
        return [], []
    frame = records_frame(records, texts, plausible_range, known_units)
    try:
        IndicatorRecordSchema.validate(frame, lazy=True)
        return list(records), []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    schema_wide = cases["index"].isna()
    if schema_wide.any():
        # A missing column or wrong dtype: no row can be trusted, reject the batch.
        reasons = "; ".join(sorted({f"{c}: {k}" for c, k in zip(cases["column"], cases["check"]) if c}))
        return [], [Failure(source_id=src, check="schema_check", reason="schema_check",
                            message=f"the batch does not fit the record schema: {reasons}")
                    for src in sorted({r.source_id for r in records})]
    failures = []
    for (row, check_name), group in cases.groupby(["index", "check"], sort=True):
        record = records[int(row)]
        # A dataframe-wide check reports one case per column; it is still one failure.
        column = None if check_name in RECORD_CHECKS else group["column"].iloc[0]
        name, reason = _check_and_reason(str(check_name), column)
        offending = record.value_text if name == "offsets_match" else _offending_value(record, column, name)
        failures.append(Failure(
            source_id=record.source_id, check=name, reason=reason, indicator=record.indicator,
            value=offending,
            message=f"{record.indicator} = {record.value_text!r} failed {name}",
        ))
    rejected_rows = {int(i) for i in cases["index"].unique()}
    return [r for i, r in enumerate(records) if i not in rejected_rows], failures


def _check_and_reason(check: str, column) -> tuple[str, str]:
    """pandera's check name to a stable (check, reason code) pair."""
    if column:
        base = check.split("(")[0]
        return f"{column}_{base}", f"invalid_{column}"
    return check, RECORD_CHECKS.get(check, check)


def _offending_value(record: IndicatorRecord, column, check: str) -> str:
    if isinstance(column, str) and hasattr(record, column):
        return str(getattr(record, column))
    if check == "period_range":
        return str(record.period)
    return f"{record.value} {record.unit}"
