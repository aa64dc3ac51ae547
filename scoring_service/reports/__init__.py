"""What people read: aligned text tables for the terminal, CSV and XLSX with Chinese headers.

- ``text``: tables, score lists and explanations as text, score rows as CSV;
- ``exports``: spreadsheet exports: an inspection's problem list, score rows.
"""
