"""The PACT v3 host API (Technical Specifications v3.0.3 § 5), an app of its own.

Served over HTTPS only on ``pact_port`` (see :func:`carbonledger.pact.tls.ensure_certificate`),
apart from the member API, whose ``/auth/token`` is the members' EIP-712 login: here
``POST /auth/token`` is PACT's OAuth2 client-credentials endpoint (HTTP Basic,
``grant_type=client_credentials``), advertised by ``/.well-known/openid-configuration``.

Errors are the spec's ``{"code", "message"}`` bodies: 400 ``BadRequest``, 401
``BadRequest`` (invalid token, as the conformance cases' example) or ``TokenExpired``,
403 ``AccessDenied``, 404 ``NotFound``, 501 ``NotImplemented``, 500 ``InternalError``;
the token endpoint answers RFC 6749 § 5.2 bodies (``invalid_client``, ...).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from jsonschema import Draft202012Validator, FormatChecker

from carbonledger.api.problems import Unexpected
from carbonledger.pact import activities, model, schema, v2
from carbonledger.pact.errors import TokenExpired, TokenInvalid
from carbonledger.pact.openapi import pact_openapi
from carbonledger.pact.service import PactService
from carbonledger.pact.store import ClientRow
from carbonledger.services.errors import NotFound, NotPermitted

DEFAULT_LIMIT = 100
_FILTERS = {
    "productId",
    "companyId",
    "geography",
    "classification",
    "validOn",
    "validAfter",
    "validBefore",
    "status",
}
_EVENT = Draft202012Validator(schema.CLOUD_EVENT, format_checker=FormatChecker())
_EVENT_V2 = Draft202012Validator(
    {
        **schema.CLOUD_EVENT,
        "properties": {
            **schema.CLOUD_EVENT["properties"],
            "type": {"type": "string", "enum": list(v2.EVENT_TYPES.values())},
        },
    },
    format_checker=FormatChecker(),
)


class PactError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _time(name: str, values: list[str]) -> Any:
    try:
        return model.parse_time(values[-1])
    except ValueError:
        raise PactError(400, "BadRequest", f"{name} must be an RFC 3339 date-time") from None


def parse_filters(query: dict[str, list[str]]) -> tuple[model.Filters, int | None, int]:
    """Filters, limit and offset of a ListFootprints query; BadRequest for anything else
    (notably v2's OData ``$filter``, removed in v3.0); ``x-`` parameters are ignored."""
    for name in query:
        if name in _FILTERS or name in ("limit", "offset") or name.lower().startswith("x-"):
            continue
        raise PactError(400, "BadRequest", f"unsupported query parameter {name!r}")
    limit: int | None = None
    offset = 0
    for name in ("limit", "offset"):
        if name in query:
            raw = query[name][-1]
            if not raw.isdigit() or (name == "limit" and int(raw) == 0):
                raise PactError(400, "BadRequest", f"{name} must be a positive integer")
            if name == "limit":
                limit = int(raw)
            else:
                offset = int(raw)
    filters = model.Filters(
        product_ids=query.get("productId", []),
        company_ids=query.get("companyId", []),
        geography=query.get("geography", []),
        classification=query.get("classification", []),
        valid_on=_time("validOn", query["validOn"]) if "validOn" in query else None,
        valid_after=_time("validAfter", query["validAfter"]) if "validAfter" in query else None,
        valid_before=(
            _time("validBefore", query["validBefore"]) if "validBefore" in query else None
        ),
        status=query["status"][-1] if "status" in query else None,
    )
    return filters, limit, offset


def create_pact_app(service: PactService, public_url: str) -> FastAPI:
    """The PACT host for ``service``; ``public_url`` is its HTTPS base URL."""
    app = FastAPI(
        title="CarbonLedger PACT host",
        version="3.0.3",
        description="PACT Technical Specifications v3 host API (HTTPS only).",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    base = public_url.rstrip("/")
    description = pact_openapi(base)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi() -> dict[str, Any]:
        """This host's own OpenAPI 3.1 description (see :mod:`carbonledger.pact.openapi`)."""
        return description

    @app.exception_handler(PactError)
    async def _pact(_: Request, exc: PactError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    # PACT's InternalError is a 500; answered without re-raising, so the connection stays up
    app.add_middleware(
        Unexpected,
        answer=lambda incident: _error(
            500, "InternalError", f"the host could not answer this request (incident {incident})"
        ),
    )

    def client_of(request: Request, invalid: int = 401) -> ClientRow:
        """The client of the request's bearer token. A missing or unknown token is
        ``BadRequest``: 401 on v3, 400 on v2 (the v2 conformance cases 6, 7 and 16 expect 400);
        an expired one is 401 ``TokenExpired`` on both."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise PactError(invalid, "BadRequest", "a bearer access token is required")
        try:
            return service.client_of_token(token.strip())
        except TokenExpired as exc:
            raise PactError(401, "TokenExpired", str(exc)) from None
        except TokenInvalid as exc:
            raise PactError(invalid, "BadRequest", str(exc)) from None

    @app.get("/.well-known/openid-configuration", include_in_schema=True)
    def discovery() -> dict[str, Any]:
        return {
            "issuer": base,
            "token_endpoint": f"{base}/auth/token",
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "response_types_supported": ["token"],
        }

    @app.post("/auth/token")
    async def token(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        grant = form.get("grant_type", [""])[-1]
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        client_id = client_secret = ""
        if scheme.lower() == "basic":
            try:
                client_id, _, client_secret = (
                    base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
                )
            except (binascii.Error, UnicodeDecodeError):
                client_id = ""
        if not client_id:
            return _oauth_error(401, "invalid_client", "HTTP Basic client authentication needed")
        client = service.authenticate(client_id, client_secret)
        if client is None:
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        if grant != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials")
        return JSONResponse(
            {
                "access_token": service.token_for(client),
                "token_type": "Bearer",
                "expires_in": service.token_lifetime,
                "scope": "footprint:list footprint:read",
            },
            headers={"Cache-Control": "no-store"},
        )

    def page(
        request: Request,
        found: list[dict[str, Any]],
        query: dict[str, list[str]],
        limit: int | None,
        offset: int,
        path: str,
    ) -> Response:
        size = limit or DEFAULT_LIMIT
        more = offset + size < len(found)
        return paged(request, found[offset : offset + size], more, query, size, offset, path)

    def paged(
        request: Request,
        chunk: list[dict[str, Any]],
        more: bool,
        query: dict[str, list[str]],
        size: int,
        offset: int,
        path: str,
    ) -> Response:
        """A page's answer, with a ``Link`` to the next when ``more`` follow."""
        headers = {}
        if more:
            nxt = {k: v for k, v in query.items() if k not in ("offset", "limit")}
            nxt["limit"] = [str(size)]
            nxt["offset"] = [str(offset + size)]
            host = request.headers.get("host", "")
            scheme = request.url.scheme
            link = f"{scheme}://{host}{path}?{urlencode(nxt, doseq=True)}"
            headers["Link"] = f'<{link}>; rel="next"'
        return JSONResponse({"data": chunk}, headers=headers)

    @app.get("/3/footprints")
    def list_footprints(request: Request) -> Response:
        client = client_of(request)
        query = parse_qs(request.url.query, keep_blank_values=True)
        filters, limit, offset = parse_filters(query)
        size = limit or DEFAULT_LIMIT
        chunk, more = service.list_page(client, filters, offset, size)
        return paged(request, chunk, more, query, size, offset, "/3/footprints")

    @app.get("/2/footprints")
    def list_footprints_v2(request: Request) -> Response:
        """PACT v2.3 ListFootprints: the v2 view of each footprint; no $filter."""
        client = client_of(request, invalid=400)
        query = parse_qs(request.url.query, keep_blank_values=True)
        if "$filter" in query:
            raise PactError(400, "NotImplemented", "$filter is not implemented by this host")
        for name in query:
            if name not in ("limit", "offset") and not name.lower().startswith("x-"):
                raise PactError(400, "BadRequest", f"unsupported query parameter {name!r}")
        _, limit, offset = parse_filters(query)
        size = limit or DEFAULT_LIMIT
        chunk, more = service.list_page(client, model.Filters(), offset, size)
        views = [service.v2_view(pf) for pf in chunk]  # the page's own: each reads its history
        return paged(request, views, more, query, size, offset, "/2/footprints")

    @app.get("/2/footprints/{pf_id}")
    def get_footprint_v2(pf_id: str, request: Request) -> Response:
        client = client_of(request, invalid=400)
        try:
            return JSONResponse({"data": service.v2_view(service.get_for(client, pf_id))})
        except NotFound as exc:  # v2's code; v3 renamed it NotFound
            raise PactError(404, "NoSuchFootprint", str(exc)) from None
        except NotPermitted as exc:
            raise PactError(403, "AccessDenied", str(exc)) from None

    @app.get("/2/ileap/tad")
    def transport_activity_data(request: Request) -> Response:
        """iLEAP TransportActivityData: the firm's TADs this client may read, ``name=value``
        filters (see :mod:`carbonledger.pact.activities`), ``limit`` and ``Link`` paging.
        An access token the host does not accept is 403 AccessDenied, an expired one 401
        TokenExpired, a missing or malformed header 400 BadRequest (iLEAP § action-tad)."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise PactError(400, "BadRequest", "a bearer access token is required")
        try:
            client = service.client_of_token(token.strip())
        except TokenExpired as exc:
            raise PactError(401, "TokenExpired", str(exc)) from None
        except TokenInvalid as exc:
            raise PactError(403, "AccessDenied", str(exc)) from None
        query = parse_qs(request.url.query, keep_blank_values=True)
        paging = {k: v for k, v in query.items() if k in ("limit", "offset")}
        _, limit, offset = parse_filters(paging)
        filters = {k: v for k, v in query.items() if k not in paging}
        try:
            found = service.activities_for(client, filters)
        except activities.UnsupportedFilter as exc:
            raise PactError(400, "NotImplemented", str(exc)) from None
        return page(request, found, query, limit, offset, "/2/ileap/tad")

    @app.get("/3/footprints/{pf_id}")
    def get_footprint(pf_id: str, request: Request) -> Response:
        client = client_of(request)
        try:
            return JSONResponse({"data": service.get_for(client, pf_id)})
        except NotFound as exc:
            raise PactError(404, "NotFound", str(exc)) from None
        except NotPermitted as exc:
            raise PactError(403, "AccessDenied", str(exc)) from None

    @app.post("/3/events")
    async def events(request: Request) -> Response:
        return await receive(request, _EVENT)

    @app.post("/2/events")
    async def events_v2(request: Request) -> Response:
        return await receive(request, _EVENT_V2, invalid=400)

    async def receive(
        request: Request, validator: Draft202012Validator, invalid: int = 401
    ) -> Response:
        client = client_of(request, invalid=invalid)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in ("application/cloudevents+json", "application/json"):
            raise PactError(400, "BadRequest", "events are application/cloudevents+json")
        try:
            event = json.loads(await request.body())
        except ValueError:
            raise PactError(400, "BadRequest", "the event is not valid JSON") from None
        problems = sorted(validator.iter_errors(event), key=lambda e: list(map(str, e.path)))
        if problems:
            where = ".".join(map(str, problems[0].absolute_path)) or "event"
            raise PactError(400, "BadRequest", f"{where}: {problems[0].message}")
        service.receive_event(client, event)
        return Response(status_code=200)

    @app.get(schema.EXTENSION_SCHEMA_PATH)
    def extension_schema() -> dict[str, Any]:
        return schema.ANCHOR_EXTENSION_DATA

    @app.get(schema.EXTENSION_DOC_PATH)
    def extension_doc() -> dict[str, Any]:
        return {
            "name": "carbonledger-anchor",
            "version": "1.0.0",
            "schema": f"{base}{schema.EXTENSION_SCHEMA_PATH}",
            "description": (
                "Where this ProductFootprint is anchored: the ClaimLedger claim whose "
                "documentHash is keccak-256 of the RFC 8785 bytes of the footprint with "
                "status 'Active' and this extension removed. Check it with "
                "`carbonledger verify --pact URL`."
            ),
        }

    @app.get("/pact/anchors/{claim_id}")
    def anchor(claim_id: str) -> dict[str, Any]:
        """The chain's record of an anchor claim (public; what the verification link shows)."""
        text = claim_id.lower()
        if len(text) != 66 or not text.startswith("0x"):
            raise PactError(400, "BadRequest", "claim id must be a 0x-prefixed bytes32")
        try:
            state = service.ledger.claim_state(bytes.fromhex(text[2:]))
        except ValueError:
            raise PactError(400, "BadRequest", "claim id must be hex") from None
        if state.status == "none":
            raise PactError(404, "NotFound", f"no claim {claim_id} on chain")
        return {
            "claimId": text,
            "firm": state.firm,
            "status": state.status,
            "check": state.check,
            "audit": state.audit,
            "chainId": service.ledger.deployment.chain_id,
            "contract": service.ledger.deployment.address("ClaimLedger"),
        }

    return app
