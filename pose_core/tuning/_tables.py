"""DataFrame views of the lab's records, for charts and tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import pandas as pd


def columns_of(record_type: type) -> list[str]:
    """A record dataclass's field names: its table's columns, in order."""
    return [field.name for field in dataclasses.fields(record_type)]


def records_table(records: Iterable[Any], record_type: type) -> pd.DataFrame:
    """One row per record, one column per field (an empty table keeps the columns)."""
    columns = columns_of(record_type)
    return pd.DataFrame(
        [{name: getattr(record, name) for name in columns} for record in records],
        columns=columns,
    )
