"""Bearer tokens at the edge: who is calling, and may they."""

from __future__ import annotations

from collections.abc import Collection

from flask import g, request

from edge import throttle
from edge.context import uow
from edge.errors import ApiProblem
from scoring_service.access.tokens import PREFIX, authenticate
from scoring_service.domain.principals import NOBODY, Permission, Principal
from scoring_service.i18n import gettext

REALM = 'Bearer realm="scoring"'
# Query parameters clients use for a bearer token (RFC 6750 section 2.3 names access_token).
TOKEN_PARAMETERS = ("access_token", "token")


def refuse_token_in_query(declared: Collection[str]) -> None:
    """400 when the query string holds a token: under a token parameter the operation does
    not declare, or any value shaped like a secret. Addresses end up in server and proxy
    logs, browser histories and Referer headers (RFC 6750 section 5.3), so such a token is
    never used, not even when it is valid."""
    for name, value in request.args.items(multi=True):
        named = name.lower() in TOKEN_PARAMETERS and name not in declared
        if named or value.strip().startswith(PREFIX):
            raise ApiProblem(
                400,
                gettext(
                    "send the token in the Authorization header (Authorization: Bearer "
                    "<token>), never in the address: the query parameter %(name)r is refused "
                    "and its token is not used; an address may be logged on its way, so "
                    "consider revoking it",
                    name=name,
                ),
                slug="token-in-query",
                errors=[
                    {"pointer": f"/{name}", "message": gettext("no token here"), "in": "query"}
                ],
                headers={"WWW-Authenticate": f'{REALM}, error="invalid_request"'},
            )


def authorize(permission: Permission) -> Principal:
    """The caller of this request, checked for ``permission``: 401 without a valid token,
    403 when its role lacks the permission, 429 while the client's address has failed
    too often (a request without a token is no attempt and is not counted)."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if header:
        throttle.refuse_if_blocked()
    if not header:
        raise ApiProblem(
            401,
            gettext("send a token: Authorization: Bearer <token> (an admin creates tokens)"),
            slug="unauthenticated",
            headers={"WWW-Authenticate": REALM},
        )
    if scheme.lower() != "bearer" or not secret.strip():
        throttle.record_failure()
        raise ApiProblem(
            401,
            gettext("the Authorization header must be: Bearer <token>"),
            slug="unauthenticated",
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_request"'},
        )
    principal = authenticate(uow(NOBODY), secret.strip())
    if principal is None:
        throttle.record_failure()
        raise ApiProblem(
            401,
            gettext("the token is unknown or revoked"),
            slug="unauthenticated",
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
        )
    g.principal = principal  # known before the role check, so a refusal is logged with it
    principal.require(permission)
    return principal
