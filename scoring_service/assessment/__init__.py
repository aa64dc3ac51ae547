"""The assessment services: import, score, explain, alerts, recompute and the index check
(``services``), the year month by month (``trend``), the rule set in force (``rules_in_force``),
what is due (``due``), a unit's way up (``way_up``) and what they return (``results``)."""
