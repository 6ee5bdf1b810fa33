"""RFC 8785 (JSON Canonicalization Scheme) bytes and keccak-256 document hashes.

The domain only carries strings, integers, booleans, ``null``, objects and arrays; binary
floats are never allowed (decimals are strings), so the only JCS number rule that applies is
"integers in the I-JSON range are written in plain decimal digits". Under those rules JCS is:

* objects with members sorted by the UTF-16 code units of their names, no whitespace;
* strings as UTF-8, escaping only ``"`` ``\\`` and control characters below U+0020 (``\\b``
  ``\\t`` ``\\n`` ``\\f`` ``\\r`` or ``\\u00xx`` in lower-case hex) -- exactly what Python's JSON
  encoder does with ``ensure_ascii=False``;
* ``true``, ``false``, ``null``.

Python sorts ``str`` keys by code point, which differs from UTF-16 order only when a key holds
a character above U+FFFF and another one in U+E000..U+FFFF; :func:`canonical_bytes` detects that
rare case and sorts such objects by UTF-16 code units itself.

Encoders. The reference encoder is Python's ``json`` module configured as above. The hot paths
use msgspec's compiled encoder (``order="sorted"``), which gives the same bytes on this domain:
keys sorted by code point (= UTF-8 byte order), strings escaped exactly as above (checked for
every code point by the tests), integers in plain digits. It is only used where the domain is
already established -- after :func:`_scan` has validated the value and found no object that
needs UTF-16 sorting, or on activity lines accepted by the line validator (exact ``str``/``int``/
``dict``/``list`` values; keys from the field tables, all ASCII). msgspec would also encode
floats, ``Decimal`` and dates, which JCS here must refuse, so it is never given unvalidated
input; anything it cannot encode falls back to the reference path, which decides.

Public API::

    canonical_bytes(model_or_obj) -> bytes      # RFC 8785 bytes
    document_hash(model_or_obj) -> bytes        # keccak-256 of canonical_bytes (32 bytes)
    keccak256(data: bytes) -> bytes
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Final

from carbonledger.standard.errors import CanonicalizationError
from carbonledger.standard.numbers import MAX_SAFE_INT, JsonFloat
from carbonledger.vocab.hashing import double_keccak_all as double_keccak_all
from carbonledger.vocab.hashing import keccak256 as keccak256
from carbonledger.vocab.hashing import sorted_pair_hashes as sorted_pair_hashes

_ENCODER: Final = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)
_encode: Final[Callable[[Any], str]] = _ENCODER.encode

try:  # build the C encoder once (JSONEncoder.encode rebuilds it on every call)
    from json.encoder import c_encode_basestring, c_make_encoder  # type: ignore[attr-defined]

    if c_make_encoder is None or c_encode_basestring is None:  # pragma: no cover
        raise ImportError("no C JSON encoder")

    def _reject(o: Any) -> Any:
        raise TypeError(f"{type(o).__name__} has no JSON form")

    _c_iterencode = c_make_encoder(
        None, _reject, c_encode_basestring, None, ":", ",", True, False, False
    )

    def _encode_fast(o: Any) -> str:
        return "".join(_c_iterencode(o, 0))

except ImportError:  # pragma: no cover - pure-Python json

    def _encode_fast(o: Any) -> str:
        return _encode(o)


try:  # compiled encoder for values already known to be in the domain (see the module docstring)
    from msgspec.json import Encoder as _MsgspecEncoder

    _compiled_encode: Callable[[Any], bytes] | None = _MsgspecEncoder(order="sorted").encode
except ImportError:  # pragma: no cover - msgspec is a declared dependency
    _compiled_encode = None


def _needs_utf16_sort(key: str) -> bool:
    return not key.isascii() and any(ord(ch) >= 0xE000 for ch in key)


class _Invalid(Exception):
    """A value without a canonical form; ``path`` is filled in while it propagates up."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str] = []  # innermost first


def _scan(value: Any) -> bool:
    """Validate ``value`` for JCS; return True when some object needs UTF-16 key sorting.

    No path is built while walking (the common case: nothing is wrong); a refusal collects
    where it happened on its way out (see :func:`_checked`)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return False
    if kind is int:
        if not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            raise _Invalid("integer outside the I-JSON range")
        return False
    if kind is dict:
        special = False
        for key, item in value.items():
            if type(key) is not str:
                raise _Invalid(f"object key {key!r} is not a string")
            if not key.isascii() and _needs_utf16_sort(key):
                special = True
            if type(item) is str:  # the common leaf, checked here without a call
                continue
            try:
                if _scan(item):  # the value always checked
                    special = True
            except _Invalid as exc:
                exc.path.append(f".{key}")
                raise
        return special
    if kind is list or kind is tuple:
        special = False
        for i, item in enumerate(value):
            if type(item) is str:
                continue
            try:
                if _scan(item):
                    special = True
            except _Invalid as exc:
                exc.path.append(f"[{i}]")
                raise
        return special
    if isinstance(value, (float, JsonFloat)):
        raise _Invalid("binary floating-point numbers are not allowed")
    raise _Invalid(f"{kind.__name__} has no JSON form")


def _checked(value: Any) -> bool:
    """:func:`_scan`, with a refusal as :class:`CanonicalizationError` naming its path."""
    try:
        return _scan(value)
    except _Invalid as exc:
        where = "$" + "".join(reversed(exc.path))
        raise CanonicalizationError(f"{where}: {exc.message}") from None


def _utf16_sorted(value: Any) -> Any:
    if type(value) is dict:
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return _OrderedDict((k, _utf16_sorted(value[k])) for k in keys)
    if type(value) in (list, tuple):
        return [_utf16_sorted(v) for v in value]
    return value


class _OrderedDict(dict[str, Any]):
    """A dict the encoder must not re-sort (see :func:`_encode_presorted`)."""


def _encode_presorted(value: Any) -> str:
    enc = json.JSONEncoder(ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return enc.encode(value)


def _to_plain(model_or_obj: Any) -> Any:
    to_obj = getattr(model_or_obj, "canonical_object", None)
    if callable(to_obj):
        return to_obj()
    dump = getattr(model_or_obj, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_none=True)
    return model_or_obj


def canonical_bytes(model_or_obj: Any) -> bytes:
    """RFC 8785 canonical bytes of a JSON value, a claim/report model, or any pydantic model.

    Raises :class:`CanonicalizationError` for floats, out-of-range integers, non-string keys
    and strings that are not valid Unicode (lone surrogates).
    """
    obj = _to_plain(model_or_obj)
    special = _checked(obj)
    try:
        if special:
            return _encode_presorted(_utf16_sorted(obj)).encode("utf-8")
        if _compiled_encode is not None:
            return _compiled_encode(obj)
        return _encode(obj).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalizationError(f"string is not valid Unicode: {exc.reason}") from exc


def canonical_bytes_reference(obj: Any) -> bytes:
    """RFC 8785 bytes of a plain JSON value by the pure ``json``-module path (no compiled encoder).

    Same result as :func:`canonical_bytes`; kept as the yardstick the tests compare against.
    """
    special = _checked(obj)
    text = _encode_presorted(_utf16_sorted(obj)) if special else _encode(obj)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalizationError(f"string is not valid Unicode: {exc.reason}") from exc


def canonical_bytes_trusted(obj: Any) -> bytes:
    """Canonical bytes of an object already validated by the line fast path (hot path).

    The caller guarantees: only exact str/int/dict/list (and bool/None) values, ASCII keys, ints
    in the I-JSON range -- what the line validator accepts. A value the compiled encoder cannot
    encode goes through the checked path (:func:`canonical_bytes`), which decides.
    """
    try:
        if _compiled_encode is not None:
            return _compiled_encode(obj)
        return _encode_fast(obj).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalizationError(f"string is not valid Unicode: {exc.reason}") from exc
    except TypeError:
        return canonical_bytes(obj)


def canonical_lines(objs: Sequence[Any]) -> list[bytes]:
    """:func:`canonical_bytes_trusted` of each validated line object, in order (hot path)."""
    enc = _compiled_encode
    if enc is not None:
        try:
            return [enc(o) for o in objs]
        except (UnicodeEncodeError, TypeError):
            pass  # redo line by line to raise (or fall back) for the offending one
    return [canonical_bytes_trusted(o) for o in objs]


def document_hash(model_or_obj: Any) -> bytes:
    """keccak-256 of :func:`canonical_bytes` -- the 32-byte hash that goes on chain."""
    return keccak256(canonical_bytes(model_or_obj))
