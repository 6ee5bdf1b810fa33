"""Limits enforced before any work is done on a request (pure ASGI middleware).

For every request that carries a body, in this order:

1. the route's size limit (``max_claim_bytes`` for ``POST /claims`` and ``/claims/check``,
   ``max_batch_bytes`` for ``POST /claims/batch``, ``max_body_bytes`` for the rest) is
   checked against ``Content-Length`` before anything is read, and counted while a chunked
   body streams in: a larger body gets **413** naming the limit and its value, and the rest
   of it is never read;
2. a route that needs a member's token and a body larger than ``unauthenticated_body_bytes``
   gets its **401** before the body is read unless the request carries a token that verifies
   (MAC, audience, expiry; membership is checked later, by the route, as always);
3. the body is parsed once, off the event loop when it is large, and refused with **422**
   naming the path and the reason when it is not UTF-8, not JSON, nested deeper than
   ``max_json_depth``, holds a number that is not finite (``1e400``) or a string with an
   unpaired UTF-16 surrogate (``"\\ud800"``), or holds more than ``max_claim_lines`` lines in a
   claim document or more than ``max_batch_claims`` claims in a batch.

The route then parses the (same, accepted) bytes again with FastAPI; only bodies that passed
these checks get that far. ``/health`` is never slowed by a large body: nothing large is
parsed on the event loop.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from itertools import accumulate
from typing import Any, Final

import anyio.to_thread
import msgspec
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from carbonledger.config import Settings

#: Bodies at least this large are parsed in a worker thread.
THREAD_PARSE_BYTES = 64 * 1024

#: Routes that take a body and need no token, when the application does not say (the app
#: passes ``is_public``, read from its API description: operations without security).
PUBLIC_BODY_ROUTES = frozenset({"/auth/challenge", "/auth/token"})


#: Routes whose body is ``{"claims": [...]}``, each item as POST /claims or POST /claims/check
#: takes one.
BATCH_ROUTES = frozenset({"/claims/batch", "/claims/check/batch"})


def _default_public(method: str, path: str) -> bool:
    return path.rstrip("/") in PUBLIC_BODY_ROUTES


def public_operations(openapi: dict[str, Any]) -> Callable[[str, str], bool]:
    """``is_public(method, path)`` for an OpenAPI document: the operation has no security."""
    public: list[tuple[str, re.Pattern[str]]] = []
    for template, item in openapi.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "/?$")
        for method, operation in item.items():
            if isinstance(operation, dict) and not operation.get("security"):
                public.append((method.upper(), pattern))
    return lambda method, path: any(m == method and p.match(path) for m, p in public)


@dataclass(frozen=True)
class Limits:
    """The request limits (their defaults and meaning: :class:`~carbonledger.config.Settings`)."""

    max_body_bytes: int = 64 * 1024
    max_claim_bytes: int = 8 * 1024 * 1024
    max_batch_bytes: int = 32 * 1024 * 1024
    max_claim_lines: int = 10_000
    max_batch_claims: int = 1000
    max_json_depth: int = 32
    unauthenticated_body_bytes: int = 16 * 1024

    def body_limit(self, method: str, path: str) -> tuple[str, int]:
        """The size limit of a route: the setting's name and its value in bytes."""
        path = path.rstrip("/")
        if method == "POST" and path in BATCH_ROUTES:
            return "max_batch_bytes", self.max_batch_bytes
        if method == "POST" and path in ("/claims", "/claims/check"):
            return "max_claim_bytes", self.max_claim_bytes
        return "max_body_bytes", self.max_body_bytes


def limits_from(settings: Settings) -> Limits:
    """The limits a :class:`~carbonledger.config.Settings` gives."""
    return Limits(**{f.name: getattr(settings, f.name) for f in fields(Limits)})


class BodyRefused(Exception):
    """A body the service will not parse: the HTTP status, a message and the problems."""

    def __init__(self, status: int, detail: str, problems: list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.problems = problems


def _problem(status: int, field: str, message: str) -> BodyRefused:
    return BodyRefused(status, f"{field}: {message}", [{"field": field, "message": message}])


def _path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "body"


def check_json_value(value: Any, max_depth: int, root: tuple[str | int, ...] = ()) -> None:
    """Walk a parsed JSON value (iteratively): depth, finite numbers, well-formed strings."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, root)]
    while stack:
        item, where = stack.pop()
        if len(where) - len(root) > max_depth:
            raise _problem(
                422, _path(where), f"nested deeper than the limit max_json_depth={max_depth}"
            )
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, (*where, "<key>"))
                stack.append((child, (*where, key)))
        elif isinstance(item, list):
            stack.extend((child, (*where, i)) for i, child in enumerate(item))
        elif isinstance(item, str):
            _check_text(item, where)
        elif isinstance(item, float) and not math.isfinite(item):
            raise _problem(422, _path(where), "number out of range (not a finite number)")


def _check_text(text: str, where: tuple[str | int, ...]) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.start + 1].encode("utf-16", "surrogatepass")[2:]
        raise _problem(
            422,
            _path(where),
            f"unpaired UTF-16 surrogate \\u{int.from_bytes(bad, 'little'):04x} at "
            f"character {exc.start} (not valid Unicode text)",
        ) from None


#: a JSON escape of a UTF-16 surrogate (``\\ud800``-``\\udfff``): the only way a parsed string or
#: key can hold one, as strict UTF-8 decoding refuses encoded surrogates
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON ``text`` (strings skipped).

    Measured before parsing, because the parser itself recurses: a deep enough body would
    exhaust a worker thread's stack before Python's recursion limit stops it. Strings are
    skipped by dropping escaped backslashes and quotes, then every other run between quotes.
    Where the text is not JSON the parser stops at the first fault, having nested no deeper
    than the text before it, which is measured as it is. Done on the UTF-8 bytes, where
    everything but quotes and brackets is dropped in one pass (``bytes.translate``) before
    the strings are cut out: a multi-byte character holds no ASCII byte."""
    raw = text.encode("utf-8", "surrogatepass")
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = b"".join(raw.translate(None, _NOT_STRUCTURE).split(b'"')[::2])
    return max(accumulate(1 if c in b"[{" else -1 for c in brackets), default=0)


#: every byte but a quote and the four brackets (what :func:`nesting_depth` drops)
_NOT_STRUCTURE: Final = bytes(b for b in range(256) if b not in b'"[]{}')


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class _NotFinite(Exception):
    """A number too large for a float (``1e400``): the walk names where it is."""


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite
    return value


#: msgspec's compiled parser, for text the reference parse (``json.loads``) would take with
#: the same value; its float hook stops at a number out of range, as the reference's does
_COMPILED = msgspec.json.Decoder(float_hook=_finite_float)


def _compiled_loads(text: str) -> Any:
    """``text`` parsed by msgspec when that gives what ``json.loads`` gives, else ``_SLOW``.

    Both parsers read the same grammar (``json.loads``' ``NaN``/``Infinity`` are refused by
    :func:`_refuse_constant` anyway, and msgspec refuses them) into the same values, the last
    of duplicate keys winning in both, and both refusing an integer longer than Python's
    ``int`` conversion takes (``sys.get_int_max_str_digits``), except where msgspec is not
    asked: a surrogate escape (``json.loads`` keeps a lone one, for the walk to name), and
    anything msgspec refuses or stops at (a number out of range): the reference parse then
    decides, with its own message. About half the reference's CPU (session 6)."""
    if _SURROGATE_ESCAPE.search(text):
        return _SLOW
    try:
        return _COMPILED.decode(text)
    except (msgspec.MsgspecError, _NotFinite, ValueError):
        return _SLOW


_SLOW: Final = object()


def _loads(text: str, max_depth: int, root: tuple[str | int, ...] = ()) -> Any:
    """``json.loads`` of ``text`` (already measured for depth), then checked as
    :func:`check_json_value` checks it. The walk runs only where it can find something: for a
    number out of range (seen by the parse) or a surrogate escape in the text; it names the
    path. ``ValueError``/``RecursionError`` for what is not JSON. Parsed by msgspec where
    that gives the same value (:func:`_compiled_loads`)."""
    value = _compiled_loads(text)
    if value is not _SLOW:
        return value
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NotFinite:
        value = json.loads(text, parse_constant=_refuse_constant)
        check_json_value(value, max_depth, root)
        return value
    if _SURROGATE_ESCAPE.search(text):
        check_json_value(value, max_depth, root)
    return value


def parse_json(raw: bytes, max_depth: int, what: str = "body") -> Any:
    """Parse ``raw`` as JSON and check it (see :func:`check_json_value`); BodyRefused if not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _problem(422, what, f"not valid UTF-8 (byte {exc.start})") from None
    if nesting_depth(text) > max_depth:
        raise _problem(422, what, f"nested deeper than the limit max_json_depth={max_depth}")
    try:
        return _loads(text, max_depth)
    except RecursionError:
        raise _problem(
            422, what, f"nested deeper than the limit max_json_depth={max_depth}"
        ) from None
    except json.JSONDecodeError as exc:
        raise _problem(
            422, what, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except ValueError as exc:
        raise _problem(422, what, f"not valid JSON: {exc}") from None


def _lines_of(document: Any, limits: Limits, field: str) -> None:
    if isinstance(document, str):
        if len(document) > limits.max_claim_bytes:
            raise _problem(
                413, field, f"larger than the limit max_claim_bytes={limits.max_claim_bytes}"
            )
        if nesting_depth(document) > limits.max_json_depth:
            raise _problem(
                422, field, f"nested deeper than the limit max_json_depth={limits.max_json_depth}"
            )
        try:
            document = _loads(document, limits.max_json_depth, (field,))
        except (ValueError, RecursionError):
            return  # the claim service names what is wrong with the text
    if isinstance(document, dict):
        lines = document.get("lines")
        if isinstance(lines, list) and len(lines) > limits.max_claim_lines:
            raise _problem(
                422,
                f"{field}.lines",
                f"{len(lines)} lines exceed the limit max_claim_lines={limits.max_claim_lines}",
            )


def check_body(method: str, path: str, raw: bytes, limits: Limits) -> None:
    """All of the body checks of a route (runs in a worker thread for large bodies)."""
    value = parse_json(raw, limits.max_json_depth)
    path = path.rstrip("/")
    if method != "POST" or not isinstance(value, dict):
        return
    if path in ("/claims", "/claims/check"):
        for name in ("document", "baseline_document"):
            if name in value:
                _lines_of(value[name], limits, name)
    elif path in BATCH_ROUTES:
        claims = value.get("claims")
        if isinstance(claims, list):
            if len(claims) > limits.max_batch_claims:
                raise _problem(
                    422,
                    "claims",
                    f"{len(claims)} claims exceed the limit max_batch_claims="
                    f"{limits.max_batch_claims}",
                )
            for i, claim in enumerate(claims):
                if isinstance(claim, dict):
                    for name in ("document", "baseline_document"):
                        if name in claim:
                            _lines_of(claim[name], limits, f"claims[{i}].{name}")


TokenCheck = Callable[[str], bool]


class RequestLimits:
    """The ASGI middleware; ``token_ok`` verifies a bearer token cheaply (no database)."""

    def __init__(
        self,
        app: ASGIApp,
        limits: Limits,
        token_ok: Callable[[], TokenCheck | None],
        is_public: Callable[[], Callable[[str, str], bool]] | None = None,
    ) -> None:
        self.app = app
        self.limits = limits
        self.token_ok = token_ok
        self.is_public = is_public or (lambda: _default_public)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path: str = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        setting, limit = self.limits.body_limit(method, path)
        declared = _content_length(headers.get("content-length"))
        try:
            if declared is not None and declared > limit:
                raise _too_large(setting, limit, declared)
            allowed = limit
            if not self.is_public()(method, path) and not self._authenticated(headers):
                allowed = min(limit, self.limits.unauthenticated_body_bytes)
                if declared is not None and declared > allowed:
                    raise _unauthenticated(allowed)
            raw = await _read_body(receive, allowed, setting, limit)
            if raw and _is_json(headers.get("content-type")):
                if len(raw) >= THREAD_PARSE_BYTES:
                    await anyio.to_thread.run_sync(check_body, method, path, raw, self.limits)
                else:
                    check_body(method, path, raw, self.limits)
        except BodyRefused as refused:
            await _answer(send, refused)
            return
        await self.app(scope, _replay(raw, receive), send)

    def _authenticated(self, headers: dict[str, str]) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        check = self.token_ok()
        if scheme.lower() != "bearer" or not token or check is None:
            return False
        return check(token.strip())


def _content_length(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return True  # FastAPI parses a body without a content type as JSON
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _too_large(setting: str, limit: int, size: int | None) -> BodyRefused:
    told = f"{size} bytes" if size is not None else "the body"
    return BodyRefused(
        413,
        f"request body too large: {told} exceed the limit {setting}={limit} bytes",
        [{"field": "body", "message": f"larger than {setting}={limit} bytes"}],
    )


def _unauthenticated(allowed: int) -> BodyRefused:
    return BodyRefused(
        401,
        "missing or invalid bearer token: a body larger than unauthenticated_body_bytes="
        f"{allowed} bytes is read only with a valid token",
        [],
    )


async def _read_body(receive: Receive, allowed: int, setting: str, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BodyRefused(400, "the client disconnected before sending the body", [])
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > allowed:
            raise (
                _too_large(setting, limit, None) if allowed == limit else _unauthenticated(allowed)
            )
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(raw: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return replay


async def _answer(send: Send, refused: BodyRefused) -> None:
    body: dict[str, Any] = {"detail": refused.detail}
    if refused.status != 401:
        body["problems"] = refused.problems
    payload = json.dumps(body, ensure_ascii=True).encode("ascii")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode("ascii")),
        (b"connection", b"close"),
    ]
    if refused.status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
