"""The official LKE workbook (PermenPAN-RB 90/2021 Lampiran III, sheet "LKE ZI"), written with
zi's answers and live formulas that implement zi's scoring rules. Pure: no database, no Flask."""

from .source import assessment_workbook
from .writer import workbook_bytes, write_workbook

__all__ = ["assessment_workbook", "workbook_bytes", "write_workbook"]
