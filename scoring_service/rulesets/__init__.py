"""The rule editing lifecycle: versions, drafts, dry runs, publishing, new years.

- ``files``: a year's files as texts, and the one way they become a ``Ruleset``;
- ``source``: ``VersionedRuleSource``, the rule source services use (versions and drafts
  are stored by ``db.rulesets``, read by ``db.rule_source``);
- ``diff``: what a change of rules does to the score rows;
- ``service``: the operations the command line and the HTTP API call.
"""
