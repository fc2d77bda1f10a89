"""The official LKE workbook (PermenPAN-RB 90/2021 Lampiran III, sheet "LKE ZI"), written with
zi's answers and live formulas that implement zi's scoring rules. Pure: no database, no Flask."""

from .reader import read_workbook
from .reading import WorkbookReading, WorkbookRefused
from .source import assessment_tpi_workbook, assessment_workbook
from .writer import blank_workbook, workbook_bytes, write_tpi_workbook, write_workbook

__all__ = ["assessment_tpi_workbook", "assessment_workbook", "blank_workbook", "workbook_bytes",
           "write_tpi_workbook", "write_workbook", "read_workbook", "WorkbookReading", "WorkbookRefused"]
