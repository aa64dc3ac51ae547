"""What people read: aligned text tables for the terminal, CSV and XLSX with Chinese headers.

- ``text``: tables, score lists and explanations as text, score rows as CSV;
- ``exports``: spreadsheet exports: an inspection's problem list, score rows;
- ``cells``: the one function every CSV and XLSX writer passes its cells through, so no cell
  is read as a formula.
"""
