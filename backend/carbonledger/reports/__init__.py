"""Documents made for people: a firm's inventory export and an auditor's verification report.

* :mod:`~carbonledger.reports.export` -- one row per claim and one per line, scopes and Scope 3
  categories as columns, written as CSV, XLSX (openpyxl) or JSON;
* :mod:`~carbonledger.reports.audit` -- the independent verification of a claim or a firm's
  history as a report an auditor can sign and hand over: HTML, and PDF printed from that HTML
  by WeasyPrint, with the keccak-256 of the written bytes to record with the audit verdict.

Pure apart from the writers (no chain, no service): both the CLI and the API build them.
"""
