"""The HTTP edge both entrances stand on, the API (``api/``) and the pages (``web/``): the
app factory (``app``), the request's services and unit of work (``context``), bearer
authentication and throttling (``auth``, ``throttle``), problem answers (``errors``), file
answers (``files``), the answer's language (``language``), request ids, CORS, compression,
the routing converters and the request bodies both check alike (``bodies``). It imports
neither ``api`` nor ``web``; ``server`` puts the three together."""
