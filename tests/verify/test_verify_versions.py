"""Acceptance (issue 10): two published standard versions on a real chain, one rule apart.

``carbonledger standard publish`` registers 1.0.0 and the current version in the
StandardRegistry (through an admin's key); a claim filed under 1.0.0 is re-checked by the
verifier under 1.0.0 -- its recorded report hash is reproduced byte for byte -- while the same
document checked under the current version gets the new finding.
"""

from __future__ import annotations

import json

from eth_account import Account
from typer.testing import CliRunner

from carbonledger.cli.standard import app
from carbonledger.config import ANVIL_DEV_KEY_0
from carbonledger.standard import check, current_version, load_version, parse_claim
from carbonledger.verify import RpcChainPort, verify_claim
from tests.standard.test_versions import _filed_under_v1
from tests.support.devchain import checked, document_for
from tests.verify.conftest import Consortium

runner = CliRunner()


def _publish(c: Consortium, version: str) -> int:
    keystore = c.workdir / "deployer-keystore.json"
    if not keystore.exists():  # production mode (--rpc-url) takes no development key implicitly
        keystore.write_text(json.dumps(Account.encrypt(ANVIL_DEV_KEY_0, "pw", kdf="pbkdf2")))
    result = runner.invoke(
        app,
        [
            *("publish", "--version", version, "--key", str(keystore)),
            *("--data-dir", str(c.workdir), "--rpc-url", c.rpc),
        ],
        env={"CARBONLEDGER_KEY_PASSWORD": "pw"},
    )
    assert result.exit_code == 0, result.output
    c.dev.admin.resync()  # the CLI sent from the same admin key as the test's DevLedger
    out = json.loads(result.stdout)
    assert out["content_hash"] == "0x" + load_version(version).content_hash.hex()
    return int(out["onchain_version"])


def test_a_claim_filed_under_v1_reverifies_after_v2_is_published(consortium: Consortium) -> None:
    c = consortium
    v1_number = _publish(c, "1.0.0")
    v2_number = _publish(c, current_version())
    assert v1_number != v2_number and _publish(c, "1.0.0") == v1_number  # not published twice

    firm = c.new_firm("Old Filer")
    template = _filed_under_v1()
    document = document_for(template, firm.address)
    v1 = load_version("1.0.0")
    claim = c.dev.build(parse_claim(document), v1, v1_number, c.dev.nonce(firm.address))
    c.dev.submit(c.relayer, [claim], [c.dev.sign(claim, firm.signing_key)])
    report = checked(document, v1)
    assert report.passed
    c.dev.record_checks(c.checker, [(claim.claim_id, True, report.report_hash)])

    path = c.workdir / "filed-under-v1.json"
    path.write_bytes(document)
    port = RpcChainPort(c.rpc)
    verified = verify_claim(port, c.addresses(port), claim.claim_id, path)
    assert not verified.failures, [f.detail for f in verified.failures]
    (standard,) = [f.detail for f in verified.findings if f.check == "standard"]
    assert v1.version_id in standard

    # the same document under the current version: 1.1.0's FAC005 on the WTW-as-fuel factor
    current = check(parse_claim(document), load_version(current_version()))
    assert "FAC005" in {f.rule for f in current.errors}
