"""Bearer tokens at the edge: who is calling, and may they."""

from __future__ import annotations

from flask import g, request

from api.context import services
from api.errors import ApiProblem
from scoring_service.access.roles import Permission, Principal
from scoring_service.access.tokens import authenticate

REALM = 'Bearer realm="scoring"'


def authorize(permission: Permission) -> Principal:
    """The caller of this request, checked for ``permission``: 401 without a valid token,
    403 when its role lacks the permission."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise ApiProblem(
            401,
            "send a token: Authorization: Bearer <token> (an admin creates tokens)",
            slug="unauthenticated",
            headers={"WWW-Authenticate": REALM},
        )
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem(
            401,
            "the Authorization header must be: Bearer <token>",
            slug="unauthenticated",
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_request"'},
        )
    principal = authenticate(secret.strip(), db=services().db)
    if principal is None:
        raise ApiProblem(
            401,
            "the token is unknown or revoked",
            slug="unauthenticated",
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
        )
    g.principal = principal  # known before the role check, so a refusal is logged with it
    principal.require(permission)
    return principal


def current() -> Principal:
    """The caller authorised for this request."""
    principal: Principal = g.principal
    return principal
