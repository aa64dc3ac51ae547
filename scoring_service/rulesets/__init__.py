"""The rule editing lifecycle: versions, drafts, dry runs, publishing, new years.

- a year's files as texts, and the one way they become a ``Ruleset``, are in
  ``rules.files``; versions and drafts are stored and read through ``uow.rulesets``
  (``db.rulesets``), and the rule source services use is ``db.rule_source``;
- ``diff``: what a change of rules does to the score rows;
- ``service``: the operations the command line and the HTTP API call.
"""
