"""POST /claims under an older standard version (issue 10), over HTTP against a real anvil.

The service checks each claim under the version its document names, as long as that
version's content hash is registered in the StandardRegistry and not retired: 1.0.0 stays
usable next to the current version until the admins retire it. The module deploys its own
contracts (on the session's node): it retires 1.0.0, which other modules publish and use. It
runs on SQLite only (one round of retiring is enough).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from carbonledger.chain.admin import propose_publication, propose_retirement
from carbonledger.chain.artifacts import sources_hash
from carbonledger.chain.deploy import deploy_contracts
from carbonledger.client import ApiError, LedgerClient
from carbonledger.config import ANVIL_DEV_KEY_0
from carbonledger.standard import Standard, check, current_version, load_version, parse_claim
from tests.api.conftest import Api
from tests.conftest import PROJECT_ROOT, DeployedChain
from tests.standard.test_versions import _filed_under_v1
from tests.support.devchain import document_for

pytestmark = pytest.mark.parametrize("api_database", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def deployed_chain(deployed_chain: DeployedChain) -> DeployedChain:
    """A fresh deployment of the contracts on the session's node, for this module alone."""
    deployment = deploy_contracts(
        deployed_chain.w3,
        ANVIL_DEV_KEY_0,
        deployed_chain.artifacts,
        sources_hash=sources_hash(PROJECT_ROOT),
    )
    return DeployedChain(
        node=deployed_chain.node,
        w3=deployed_chain.w3,
        deployment=deployment,
        artifacts=deployed_chain.artifacts,
    )


def _submit_under(client: LedgerClient, document: bytes, standard: Standard, number: int) -> Any:
    """Sign ``document`` under ``standard`` (on-chain ``number``) and POST it: the client
    itself signs under the service's current version only."""
    chain = client.chain()
    chain["standard"] = {
        "version_id": standard.version_id,
        "content_hash": "0x" + standard.content_hash.hex(),
        "onchain_version": number,
    }
    signer = LedgerClient(str(client.http.base_url), client.account, standard=standard)
    nonce, deadline = client.next_nonce(), int(time.time()) + 3600
    signature = signer.sign_claim(document, nonce=nonce, deadline=deadline, chain=chain)
    return client.request(
        "POST",
        "/claims",
        json={
            "document": document.decode(),
            "signature": "0x" + signature.hex(),
            "nonce": nonce,
            "deadline": deadline,
        },
    )


def test_a_claim_under_an_older_version_in_force_gets_that_versions_report_until_retired(
    api: Api,
) -> None:
    v1, current = load_version("1.0.0"), load_version(current_version())
    registry = api.chain.contract("StandardRegistry")
    published = propose_publication(api.admin, registry, v1.content_hash)  # quorum 1: executes
    assert published.executed and published.version
    v1_number = published.version
    current_number = api.services.ledger.standard_version_of(current.content_hash)
    assert current_number and current_number != v1_number

    firm = api.admit("Old Method Haulage")
    client = api.client(firm)
    document = document_for(_filed_under_v1(), firm.address, claim_id=f"v1-{uuid.uuid4()}")
    answer = _submit_under(client, document, v1, v1_number)
    assert answer["state"] == "checked" and answer["check"]["passed"] is True
    expected = check(parse_claim(document), v1)
    assert answer["check"]["report_hash"] == "0x" + expected.report_hash.hex()
    assert answer["check"]["report"]["standard"]["version_id"] == v1.version_id
    state = api.services.ledger.claim_state(bytes.fromhex(answer["claim_id"][2:]))
    assert (state.standard_version, state.check) == (v1_number, "passed")
    # the same document under the current version would fail (1.1.0's FAC005)
    assert not check(parse_claim(document), current).passed

    retired = propose_retirement(api.admin, registry, v1_number)
    assert retired.executed
    again = document_for(_filed_under_v1(), firm.address, claim_id=f"v1-{uuid.uuid4()}")
    with pytest.raises(ApiError) as refused:
        _submit_under(client, again, v1, v1_number)
    assert refused.value.status == 422
    assert v1.version_id in refused.value.detail and "retired" in refused.value.detail
    assert refused.value.problems == [
        {
            "field": "document.standard_version",
            "message": f"on-chain version {v1_number} is retired; file under {current.version_id}",
        }
    ]


def test_a_claim_naming_an_unknown_version_is_refused_with_422(api: Api) -> None:
    firm = api.admit("Future Method Freight")
    client = api.client(firm)
    document = document_for(
        _filed_under_v1(), firm.address, standard_version="cls-9.9.9-0000000000000000"
    )
    v1 = load_version("1.0.0")
    with pytest.raises(ApiError) as refused:
        _submit_under(client, document, v1, 1)
    assert refused.value.status == 422
    assert "cls-9.9.9-0000000000000000" in refused.value.detail
    (problem,) = refused.value.problems
    assert problem["field"] == "document.standard_version"
    assert problem["message"].startswith("unknown standard version (known: cls-1.0.0-")
