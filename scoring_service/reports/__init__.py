"""What people read: aligned text tables for the terminal, CSV and XLSX with Chinese headers.

- ``text``: tables, score lists and explanations as text, score rows as CSV;
- ``exports``: spreadsheet exports: an inspection's problem list, score rows, a unit's
  explanation, process alerts;
- ``sheets``: tables as CSV (UTF-8 or GB18030) and as workbooks with typed cells, ready to
  print;
- ``cells``: the one function every CSV and XLSX writer passes its cells through, so no cell
  is read as a formula.
"""
