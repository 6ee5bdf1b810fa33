"""Large answers go gzip-compressed to a client that accepts it (listings, exports, the web
app's files) and read the same; small ones, and files already compressed (XLSX, PDF), go as
they are. The web app's hashed files are kept by the browser for good."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import Api, serving, shipment_files, wait_checked
from tests.conftest import DeployedChain

GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def ledger(
    deployed_chain: DeployedChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    with serving(deployed_chain, tmp_path_factory.mktemp("gzip")) as served:
        yield served


@pytest.fixture(scope="module")
def firm_token(ledger: Api, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A firm with 40 claims filed and checked on chain (so a listing read twice reads the
    same), and its bearer token."""
    firm = ledger.admit("Compressed Cargo")
    client = ledger.client(firm)
    folder = tmp_path_factory.mktemp("shipments")
    filed = client.submit_claims(
        [p.read_bytes() for p in shipment_files(folder, firm.address, range(40))]
    )
    assert all("claim" in f for f in filed)
    wait_checked(client, [f["claim"]["claim_id"] for f in filed], timeout=120)
    assert client.token is not None
    return firm.address, client.token


def _get(
    ledger: Api, path: str, headers: dict[str, str], token: str | None = None
) -> httpx.Response:
    with ledger.http(token) as http:
        return http.get(path, headers=headers)


def test_a_listing_is_gzipped_for_a_client_that_accepts_it_and_reads_the_same(
    ledger: Api, firm_token: tuple[str, str]
) -> None:
    firm, token = firm_token
    path = f"/claims?firm={firm}&page_size=200"
    zipped, plain = _get(ledger, path, GZIP, token), _get(ledger, path, PLAIN, token)
    assert zipped.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert zipped.json() == plain.json() and plain.json()["total"] == 40
    assert zipped.num_bytes_downloaded * 5 < plain.num_bytes_downloaded  # JSON shrinks well


def test_a_small_answer_goes_as_it_is(ledger: Api) -> None:
    answer = _get(ledger, "/health", GZIP)
    assert answer.status_code == 200 and "content-encoding" not in answer.headers


def test_a_streamed_csv_export_is_gzipped_and_an_xlsx_export_is_not(
    ledger: Api, firm_token: tuple[str, str]
) -> None:
    firm, token = firm_token
    csv_path = f"/claims/export?format=csv&firm={firm}"
    zipped, plain = _get(ledger, csv_path, GZIP, token), _get(ledger, csv_path, PLAIN, token)
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content and plain.content.count(b"\n") > 40
    xlsx = _get(ledger, f"/claims/export?format=xlsx&firm={firm}", GZIP, token)
    assert xlsx.status_code == 200 and "content-encoding" not in xlsx.headers  # a zip already
    assert xlsx.content[:2] == b"PK"


def test_the_web_apps_script_is_gzipped(ledger: Api) -> None:
    index = _get(ledger, "/app/", PLAIN).text
    match = re.search(r'src="(/app/assets/[^"]+\.js)"', index)
    assert match, index
    zipped, plain = _get(ledger, match.group(1), GZIP), _get(ledger, match.group(1), PLAIN)
    assert zipped.headers["content-encoding"] == "gzip" and zipped.content == plain.content
    assert zipped.num_bytes_downloaded * 2 < plain.num_bytes_downloaded
    assert Path(match.group(1)).suffix == ".js"
    # its name carries its hash: the browser keeps it and does not ask again
    assert zipped.headers["cache-control"] == "public, max-age=31536000, immutable"
