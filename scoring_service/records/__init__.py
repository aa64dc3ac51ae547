"""Single records of a year: units, pairings, groups, inspections and their findings.

Writes are checked by the bundle's own cross-record checks (spec section 8): the
record is set in a small bundle holding the year's units (and the group it names),
``check_bundle`` runs, and the problems found at the record are reported with
pointers into the record. Every write bumps the year's revision and is audited in
the same transaction. A year with a rule set but no data is created by its first write.

- ``year``: what every record shares: the year held, a write's start, the bundle check;
- ``units``, ``pairings``, ``groups``, ``structure``: the year's structure (spec section 1);
- ``inspections``: inspections with their sample and findings;
- ``findings``: findings as they stand at a date, with their history;
- ``events``: appending an event to a finding;
- ``score_runs``: stored score runs and the current scores of a year.
"""
