"""The rule editing lifecycle: versions, drafts, dry runs, publishing, new years.

- ``files``: a year's files as texts, and the one way they become a ``Ruleset``;
- ``repository``: versions and drafts in the database;
- ``source``: ``VersionedRuleSource``, the rule source services use;
- ``diff``: what a change of rules does to the score rows;
- ``service``: the operations the command line and the HTTP API call.
"""
