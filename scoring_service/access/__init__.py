"""Who may do what, and the record of what was done.

- ``roles``: roles, their permissions, and a caller's unit scope (``Principal``);
- ``tokens``: bearer tokens, stored only as hashes;
- ``audit``: the audit log of every write;
- ``idempotency``: idempotency keys, so a retried POST gets the first answer.
"""
