"""One error shape for every refusal, and an API description that says so.

Every 4xx/5xx answer is ``{"detail": str, "problems": [{"field", "message"}]?}``:
FastAPI's own validation errors are rewritten to it (their ``loc`` becomes the dotted
``field``, e.g. ``body.expiresAt`` or ``query.page``), and never echo the input back (an
``inf`` or an unpaired surrogate in the input cannot break the answer). A 405 names every
method the path has in ``Allow``, not only those of the first route that matched.

:func:`describe_errors` rewrites the OpenAPI document to match: the validation schema is the
real one, and each operation lists the error statuses the service can answer for it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_log = logging.getLogger("carbonledger.api")

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "What was refused and why."},
        "problems": {
            "type": "array",
            "description": "Each offending field (a dotted path) and the reason.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

_DESCRIPTIONS = {
    400: "The request cannot be read (for example the client stopped sending its body).",
    401: "No, a bad or an expired bearer token.",
    403: "The member may not do this (not active, wrong role, no grant).",
    404: "No such claim, member, settlement or document.",
    405: "The path exists but not with this method; `Allow` lists its methods.",
    409: "A conflict with the ledger's state (duplicate, reused nonce, wrong stage).",
    413: "The body is larger than the route's limit; `detail` names the setting and value.",
    422: "Malformed input; `problems` names each field (a dotted path) and why.",
    503: "The chain node or the ledger services do not answer, or the request failed "
    "unexpectedly before it was answered (`detail` names the logged incident; retry it).",
}


class Unexpected:
    """Answers an exception no handler knows (a bug, a full disk) with a 503 Problem naming a
    logged incident id, and keeps the connection open.

    Without it Starlette's outermost ``ServerErrorMiddleware`` sends a 500 and *re-raises*;
    uvicorn then sees an exception after the response started and closes the transport, so
    the client got the 500 or, when the close won the race, a reset keep-alive connection
    (seen on ``POST /pact/footprints``). Installed inside that middleware, this one does not
    re-raise once it has answered; an exception after the response started still ends the
    connection (the answer is already half sent)."""

    def __init__(self, app: ASGIApp, answer: Callable[[str], JSONResponse] | None = None) -> None:
        self.app = app
        self.answer = answer or _unexpected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception:
            if started:
                raise
            incident = uuid.uuid4().hex[:12]
            _log.exception("incident %s: %s %s", incident, scope["method"], scope["path"])
            await self.answer(incident)(scope, receive, send)


def _unexpected(incident: str) -> JSONResponse:
    return JSONResponse(
        {
            "detail": f"the request failed unexpectedly (incident {incident}, logged): "
            "retry the same request"
        },
        status_code=503,
        headers={"Retry-After": "1"},
    )


def _safe(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def install(app: FastAPI) -> None:
    """Register the handlers and the OpenAPI rewrite on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": _safe(".".join(str(part) for part in error.get("loc", ()))),
                "message": _safe(str(error.get("msg", "invalid"))),
            }
            for error in exc.errors()
        ]
        shown = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return JSONResponse(
            {"detail": f"invalid request: {shown}{more}", "problems": problems}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(app, request))
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return JSONResponse({"detail": _safe(detail)}, status_code=exc.status_code, headers=headers)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = describe_errors(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route answers at this path (routers nest: ask each with each)."""
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in app.router.routes):
            allowed.append(method)
    return allowed


def _error_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    statuses = {422}
    if operation.get("security"):
        statuses |= {401, 403}
    if "requestBody" in operation:
        statuses |= {400, 413}
    if "{" in path:
        statuses.add(404)
    return statuses


def describe_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with the real error shape and each operation's error statuses."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("ValidationError", None)
    components.pop("HTTPValidationError", None)
    components["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            for code in _error_statuses(method, path, operation):
                responses.setdefault(str(code), {"description": _DESCRIPTIONS[code]})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = {"application/json": {"schema": ref}}
    return schema
