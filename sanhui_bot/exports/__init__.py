"""The ledger as files: an Excel workbook, CSV files (one per sheet) and an iCalendar feed."""
