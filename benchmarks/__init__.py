"""Benchmarks at city to province scale: ``python benchmarks/run.py`` (``make bench``).

``run`` is the entry point; ``scale`` measures one scale on one backend, each step in a
process of its own (``children``, with the ``floors`` beside them); ``backends`` are the
databases, ``api_load`` the HTTP API under load, ``report`` the table.
"""
