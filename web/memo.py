"""The pages' remembered answers: the edge's (``edge.memo``), which the API's share, one
store per app."""

from edge.memo import data_key, remember, view_key

__all__ = ["data_key", "remember", "view_key"]
