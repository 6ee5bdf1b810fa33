"""The verifier's documents: read, parsed and hashed as the standard hashes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carbonledger.standard import document_hash, parse_claim
from carbonledger.verify.documents import PROOF_SUFFIX, load_directory, load_document
from tests.verify.conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_a_documents_hash_is_keccak_of_its_rfc8785_bytes(path: Path, tmp_path: Path) -> None:
    raw = path.read_bytes()
    assert load_document(path).hash == document_hash(parse_claim(raw))
    # non-ASCII text, characters beyond the BMP and escapes change nothing of that
    obj = json.loads(raw)
    obj["firm"]["name"] = 'Zürich 物流 \U0001f69a \ue000 \u2028 "quoted" \\ end'
    obj["claim_id"] = "\u00e9t\u00e9-\U0001f600"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(obj, ensure_ascii=True, indent=1), encoding="utf-8")
    assert load_document(changed).hash == document_hash(parse_claim(changed.read_bytes()))


def test_a_directory_gives_its_json_documents_as_a_glob_would(tmp_path: Path) -> None:
    raw = EXAMPLE_FILES[0].read_bytes()
    (tmp_path / "b.json").write_bytes(raw)
    (tmp_path / ".hidden.json").write_bytes(raw.replace(b"{", b"{ ", 1))
    (tmp_path / "a.json").mkdir()  # a directory is not a document
    (tmp_path / "notes.txt").write_text("not a document")
    (tmp_path / f"x{PROOF_SUFFIX}").write_text("{}")  # proof files are read apart
    (tmp_path / "link.json").symlink_to(tmp_path / "b.json")
    docs = load_directory(tmp_path)
    assert [d.path.name for d in docs.values()] == ["b.json"]  # link.json: the same document
    skipped: list[str] = []
    (tmp_path / "c.json").write_text("{}")
    assert len(load_directory(tmp_path, skipped=skipped)) == 1
    assert len(skipped) == 1 and "c.json" in skipped[0]
