"""RFC 8785 canonical bytes and keccak document hashes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonledger.standard import CanonicalizationError, canonical_bytes, document_hash, parse_claim
from carbonledger.standard.canonical import (
    canonical_bytes_reference,
    canonical_bytes_trusted,
    canonical_lines,
    keccak256,
)
from carbonledger.standard.lines import ACTIVITY_SPECS, COMMON, MARKET_SPECS, SHIPMENT_SPECS
from carbonledger.standard.numbers import JsonFloat

from .standard_helpers import example

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1), st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)


def _reorder(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reorder(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reorder(v) for v in value]
    return value


def test_keccak256_matches_the_ethereum_empty_string_hash() -> None:
    assert keccak256(b"").hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )


def test_canonical_bytes_follow_rfc8785_for_the_domains_value_types() -> None:
    # RFC 8785 section 3.2: members sorted, no whitespace, minimal string escapes, UTF-8.
    value = {"b": [True, None, 10], "a": 'é\n\u001f"\\', "€": 1, "\U0001f600": 2, "\ufb33": 3}
    out = canonical_bytes(value)
    # UTF-16 order: U+1F600 (surrogates D83D..) sorts before U+FB33, unlike code-point order.
    assert (
        out
        == (
            '{"a":"é\\n\\u001f\\"\\\\","b":[true,null,10],"€":1,"\U0001f600":2,"\ufb33":3}'
        ).encode()
    )


@pytest.mark.parametrize("bad", [1.5, {"x": [0.1]}, 2**53, {1: "a"}, "\ud800"])
def test_canonical_bytes_reject_values_without_a_canonical_form(bad: Any) -> None:
    with pytest.raises(CanonicalizationError):
        canonical_bytes(bad)


@given(json_values)
def test_canonical_form_and_hash_do_not_depend_on_key_order_or_whitespace(value: Any) -> None:
    pretty = json.loads(json.dumps(_reorder(value), indent=3, ensure_ascii=True))
    assert canonical_bytes(pretty) == canonical_bytes(value)
    assert document_hash(pretty) == document_hash(value)
    # canonical bytes are a fixed point
    assert canonical_bytes(json.loads(canonical_bytes(value))) == canonical_bytes(value)


def test_claim_hash_is_the_same_for_reordered_and_reindented_documents() -> None:
    doc = example("shipper_footprint.json")
    a = parse_claim(json.dumps(doc).encode())
    b = parse_claim(json.dumps(_reorder(doc), indent=7, ensure_ascii=True).encode())
    assert canonical_bytes(a) == canonical_bytes(b)
    assert document_hash(a) == document_hash(b)
    assert document_hash(a) == keccak256(canonical_bytes(doc))


# --- the compiled encoder (hot path) equals the reference RFC 8785 encoder -------------------
def test_the_compiled_encoder_escapes_every_code_point_as_rfc8785_does() -> None:
    # each code point alone (escapes are per character), then all of them in long strings
    for cp in range(0x800):
        s = chr(cp)
        assert canonical_bytes_trusted(s) == canonical_bytes_reference(s), hex(cp)
    points = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    for start in range(0, len(points), 4096):
        s = "".join(points[start : start + 4096])
        assert canonical_bytes_trusted(s) == canonical_bytes(s) == canonical_bytes_reference(s)


def test_lone_surrogates_are_refused_on_every_path() -> None:
    for value in ("\ud800", {"note": "a\udfffb"}, [{"k": "\udbff"}]):
        with pytest.raises(CanonicalizationError):
            canonical_bytes_trusted(value)
        with pytest.raises(CanonicalizationError):
            canonical_lines([{"id": "ok"}, value])
        with pytest.raises(CanonicalizationError):
            canonical_bytes(value)


def test_values_the_compiled_encoder_cannot_take_go_through_the_checked_path() -> None:
    # a str subclass (the parser's float marker) is not in the fast domain: refused, not encoded
    with pytest.raises(CanonicalizationError):
        canonical_bytes_trusted({"quantity": JsonFloat("1.5")})
    with pytest.raises(CanonicalizationError):
        canonical_lines([{"quantity": JsonFloat("1.5")}])


def test_line_field_names_are_ascii_so_code_point_and_utf16_orders_agree() -> None:
    names = set(SHIPMENT_SPECS) | set(MARKET_SPECS) | {"activity"}
    for specs in ACTIVITY_SPECS.values():
        names |= set(specs)
    names |= set(COMMON)
    assert all(name.isascii() for name in names)


text_any = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
ascii_keys = st.text(st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=10)
line_scalars = st.one_of(st.integers(-(2**53) + 1, 2**53 - 1), text_any, st.booleans(), st.none())
line_values = st.recursive(
    line_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(ascii_keys, inner, max_size=4)
    ),
    max_leaves=16,
)
line_objects = st.dictionaries(ascii_keys, line_values, max_size=10)
# keys mixing ASCII, BMP, U+E000..U+FFFF and astral characters (UTF-16 vs code-point order)
mixed_keys = st.text(
    st.one_of(
        st.characters(max_codepoint=0x7F),
        st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF, exclude_categories=("Cs",)),
        st.characters(min_codepoint=0x10000),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=4,
)
any_values = st.recursive(
    line_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(mixed_keys, inner, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(line_objects, min_size=1, max_size=3))
def test_compiled_line_bytes_equal_the_reference_encoder(lines: list[dict[str, Any]]) -> None:
    expected = [canonical_bytes_reference(line) for line in lines]
    assert canonical_lines(lines) == expected
    assert [canonical_bytes_trusted(line) for line in lines] == expected


@settings(max_examples=300, deadline=None)
@given(any_values)
def test_canonical_bytes_equal_the_reference_encoder_for_any_keys(value: Any) -> None:
    assert canonical_bytes(value) == canonical_bytes_reference(value)
    assert canonical_bytes(value) == _jcs(value)


def _jcs(value: Any) -> bytes:
    """An independent, minimal RFC 8785 encoder for the domain (the tests' yardstick)."""

    def enc(v: Any) -> str:
        if v is None:
            return "null"
        if v is True:
            return "true"
        if v is False:
            return "false"
        if type(v) is int:
            return str(v)
        if type(v) is str:
            out = ['"']
            for ch in v:
                if ch in '"\\':
                    out.append("\\" + ch)
                elif ch in _SHORT:
                    out.append(_SHORT[ch])
                elif ord(ch) < 0x20:
                    out.append(f"\\u{ord(ch):04x}")
                else:
                    out.append(ch)
            return "".join(out) + '"'
        if type(v) is list:
            return "[" + ",".join(enc(x) for x in v) + "]"
        keys = sorted(v, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(enc(k) + ":" + enc(v[k]) for k in keys) + "}"

    return enc(value).encode("utf-8")


_SHORT = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"lines": [{"id": "a"}, {"qty": 2**60}]}, "$.lines[1].qty: integer outside the I-JSON"),
        ({"a": {"b": [1, JsonFloat("0.5")]}}, "$.a.b[1]: binary floating-point"),
        ({"a": [{1: "x"}]}, "$.a[0]: object key 1 is not a string"),
        ({"a": {"b": b"raw"}}, "$.a.b: bytes has no JSON form"),
        ({"\ue000key": [JsonFloat("0.5")]}, "$.\ue000key[0]: binary floating-point"),
    ],
)
def test_a_value_without_a_canonical_form_is_refused_naming_where_it_is(
    value: object, message: str
) -> None:
    with pytest.raises(CanonicalizationError) as info:
        canonical_bytes(value)
    assert str(info.value).startswith(message)
