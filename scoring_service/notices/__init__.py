"""Notices that reach systems (and later people): the date-driven reminders (``remind``),
webhooks registered by administrators (``webhooks``), the channels that send
(``channels``) and the deliverer (``deliver``). Notices caused by a write are put in the
outbox by that write itself (``uow.notify``; ``records.outbox`` for a finding's)."""
