"""The PACT host's own OpenAPI 3.1 document (served at ``/openapi.json`` on the host).

Its routes parse their requests by hand (PACT's filters, Basic auth, CloudEvents), so
FastAPI's generated description would say nothing of their parameters or answers. This one
describes exactly the host's routes, with the bodies taken from the same JSON Schemas the
host and its tests validate against (:mod:`carbonledger.pact.schema`, :mod:`.v2`,
:mod:`.ileap`): it is ours, not WBCSD's published document (whose licence forbids altered
copies; see :mod:`carbonledger.pact.schema`). OpenAPI 3.1 takes JSON Schema 2020-12 as is.
"""

from __future__ import annotations

from typing import Any, Final

from carbonledger.pact import schema, v2
from carbonledger.pact.activities import OTHER_FILTERS, TEXT_FILTERS
from carbonledger.pact.ileap import TAD_LIST_SCHEMA

_REF = "#/components/schemas/"
_JSON = "application/json"
_CLOUD_EVENTS = "application/cloudevents+json"


def _bare(s: Any) -> Any:
    """``s`` without its ``$schema`` keywords (the document's dialect is 2020-12 already)."""
    if isinstance(s, dict):
        return {k: _bare(v) for k, v in s.items() if k != "$schema"}
    if isinstance(s, list):
        return [_bare(v) for v in s]
    return s


def _body(name: str) -> dict[str, Any]:
    return {"content": {_JSON: {"schema": {"$ref": _REF + name}}}}


def _error(description: str, codes: tuple[str, ...]) -> dict[str, Any]:
    narrowed = _bare(schema.ERROR)
    narrowed["properties"]["code"]["enum"] = list(codes)
    return {"description": description, "content": {_JSON: {"schema": narrowed}}}


_AUTH_ERRORS: Final = {
    "400": _error("a malformed request", ("BadRequest", "NotImplemented")),
    "401": {
        **_error("no, an invalid or an expired access token", ("BadRequest", "TokenExpired")),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    },
    "403": _error("the client may not read this", ("AccessDenied",)),
    "500": _error("an unexpected error (logged with an incident id)", ("InternalError",)),
}
_NEXT = {
    "Link": {
        "description": 'the next page, as `<URL>; rel="next"`, when there is one',
        "schema": {"type": "string", "pattern": r'^<https?://[^>]+>; rel="next"$'},
    }
}


def _paging() -> list[dict[str, Any]]:
    return [
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    ]


def _query(name: str, item: dict[str, Any], *, many: bool = True) -> dict[str, Any]:
    value = {"type": "array", "items": item} if many else item
    return {"name": name, "in": "query", "schema": value, "explode": True}


def _listing(summary: str, body: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": params + _paging(),
        "responses": {
            "200": {"description": "a page of results", "headers": _NEXT, **_body(body)},
            **_AUTH_ERRORS,
        },
    }


def _single(summary: str, body: str, missing: str = "NotFound") -> dict[str, Any]:
    return {
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": [
            {"name": "pf_id", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "responses": {
            "200": {"description": "the footprint", **_body(body)},
            **_AUTH_ERRORS,
            "404": _error("no such footprint", (missing,)),
        },
    }


def _events(summary: str, event: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "security": [{"bearer": []}],
        "requestBody": {
            "required": True,
            "content": {
                _CLOUD_EVENTS: {"schema": {"$ref": _REF + event}},
                _JSON: {"schema": {"$ref": _REF + event}},
            },
        },
        "responses": {"200": {"description": "the event was received"}, **_AUTH_ERRORS},
    }


_TIME = {"type": "string", "format": "date-time"}
_STR = {"type": "string"}
_OAUTH_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "string",
            "enum": ["invalid_client", "invalid_request", "unsupported_grant_type"],
        },
        "error_description": {"type": "string"},
    },
}


def pact_openapi(public_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the PACT host served at ``public_url``."""
    v2_event = _bare(schema.CLOUD_EVENT)
    v2_event["properties"]["type"] = {"type": "string", "enum": list(v2.EVENT_TYPES.values())}
    tad_filters = [_query(name, _STR) for name in TEXT_FILTERS + OTHER_FILTERS]
    oauth = {"description": "RFC 6749 § 5.2", "content": {_JSON: {"schema": _OAUTH_ERROR}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CarbonLedger PACT host",
            "version": "3.0.3",
            "description": (
                "PACT Technical Specifications v3 host API, v2.3 views and iLEAP transport "
                "activity data (HTTPS only). CarbonLedger's own description of its routes."
            ),
        },
        "servers": [{"url": public_url.rstrip("/")}],
        "paths": {
            "/.well-known/openid-configuration": {
                "get": {
                    "summary": "OpenID discovery of the token endpoint",
                    "responses": {
                        "200": {
                            "description": "the provider's metadata",
                            **_body("OpenIdConfiguration"),
                        }
                    },
                }
            },
            "/auth/token": {
                "post": {
                    "summary": "OAuth2 client credentials (HTTP Basic)",
                    "security": [{"basic": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "required": ["grant_type"],
                                    "properties": {
                                        "grant_type": {
                                            "type": "string",
                                            "examples": ["client_credentials"],
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {"description": "an access token", **_body("TokenResponse")},
                        "400": oauth,
                        "401": oauth,
                    },
                }
            },
            "/3/footprints": {
                "get": _listing(
                    "PACT v3 ListFootprints",
                    "ListFootprintsResponse",
                    [
                        _query("productId", schema.URN),
                        _query("companyId", schema.URN),
                        _query("geography", _STR),
                        _query("classification", schema.URN),
                        _query("validOn", _TIME, many=False),
                        _query("validAfter", _TIME, many=False),
                        _query("validBefore", _TIME, many=False),
                        _query(
                            "status",
                            {"type": "string", "enum": ["Active", "Deprecated"]},
                            many=False,
                        ),
                    ],
                )
            },
            "/3/footprints/{pf_id}": {
                "get": _single("PACT v3 GetFootprint", "SingleFootprintResponse")
            },
            "/3/events": {"post": _events("PACT v3 events (CloudEvents)", "CloudEvent")},
            "/2/footprints": {
                "get": _listing("PACT v2.3 ListFootprints (no $filter)", "ListFootprintsV2", [])
            },
            "/2/footprints/{pf_id}": {
                "get": _single("PACT v2.3 GetFootprint", "SingleFootprintV2", "NoSuchFootprint")
            },
            "/2/events": {"post": _events("PACT v2.3 events (CloudEvents)", "CloudEventV2")},
            "/2/ileap/tad": {
                "get": _listing(
                    "iLEAP TransportActivityData (name=value filters)", "TadList", tad_filters
                )
            },
            schema.EXTENSION_SCHEMA_PATH: {
                "get": {
                    "summary": "JSON Schema of CarbonLedger's anchor extension",
                    "responses": {"200": {"description": "a JSON Schema", **_body("Object")}},
                }
            },
            schema.EXTENSION_DOC_PATH: {
                "get": {
                    "summary": "The anchor extension's documentation",
                    "responses": {"200": {"description": "its description", **_body("Object")}},
                }
            },
            "/pact/anchors/{claim_id}": {
                "get": {
                    "summary": "The chain's record of an anchor claim (public)",
                    "parameters": [
                        {
                            "name": "claim_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^0x[0-9a-fA-F]{64}$"},
                        }
                    ],
                    "responses": {
                        "200": {"description": "the claim on chain", **_body("Anchor")},
                        "400": _error("not a bytes32 claim id", ("BadRequest",)),
                        "404": _error("no such claim on chain", ("NotFound",)),
                        "500": _AUTH_ERRORS["500"],
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
            },
            "schemas": {
                "ListFootprintsResponse": _bare(schema.LIST_RESPONSE),
                "SingleFootprintResponse": _bare(schema.SINGLE_RESPONSE),
                "ListFootprintsV2": _bare(v2.LIST_RESPONSE_V2),
                "SingleFootprintV2": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {"data": _bare(v2.PRODUCT_FOOTPRINT_V2)},
                },
                "TadList": _bare(TAD_LIST_SCHEMA),
                "TokenResponse": _bare(schema.TOKEN_RESPONSE),
                "CloudEvent": _bare(schema.CLOUD_EVENT),
                "CloudEventV2": v2_event,
                "Object": {"type": "object"},
                "OpenIdConfiguration": {
                    "type": "object",
                    "required": ["issuer", "token_endpoint", "grant_types_supported"],
                    "properties": {
                        "issuer": {"type": "string", "format": "uri"},
                        "token_endpoint": {"type": "string", "format": "uri"},
                        "grant_types_supported": {
                            "type": "array",
                            "contains": {"const": "client_credentials"},
                        },
                    },
                },
                "Anchor": {
                    "type": "object",
                    "required": ["claimId", "firm", "status", "chainId", "contract"],
                    "properties": {
                        "claimId": {"type": "string", "pattern": "^0x[0-9a-f]{64}$"},
                        "firm": {"type": "string"},
                        "status": {"type": "string"},
                        "chainId": {"type": "integer", "minimum": 1},
                        "contract": {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"},
                    },
                },
            },
        },
    }
