"""RFC 8785 canonical bytes and keccak document hashes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.standard import CanonicalizationError, canonical_bytes, document_hash, parse_claim
from carbonledger.standard.canonical import keccak256

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
