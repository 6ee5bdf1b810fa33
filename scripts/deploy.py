"""Deploy the CarbonLedger contracts on the connected network and write the manifest.

    ./run ape run deploy --network ethereum:local:foundry [--manifest PATH]

``carbonledger up`` deploys through the same function (:func:`deploy_contracts`) on its
first start; this script is for deploying onto a network that ape is connected to.
The deployer is ape's first test account unless ``CARBONLEDGER_DEPLOYER_KEY`` is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from ape import accounts
from ape.cli import ConnectedProviderCommand

from carbonledger.chain.artifacts import load_artifacts, sources_hash
from carbonledger.chain.deploy import deploy_contracts
from carbonledger.chain.manifest import write_manifest
from carbonledger.config import DEFAULT_PROJECT_ROOT


@click.command(cls=ConnectedProviderCommand)
@click.option("--manifest", type=click.Path(path_type=Path), default=Path("deployment.json"))
def cli(provider, manifest: Path) -> None:  # type: ignore[no-untyped-def]
    key = os.environ.get("CARBONLEDGER_DEPLOYER_KEY") or accounts.test_accounts[0].private_key
    root = DEFAULT_PROJECT_ROOT
    deployment = deploy_contracts(
        provider.web3,
        key,
        load_artifacts(root),
        sources_hash=sources_hash(root),
        progress=click.echo,
    )
    write_manifest(manifest, deployment)
    for name, contract in deployment.contracts.items():
        click.echo(f"{name}: {contract.address}")
    click.echo(f"manifest written to {manifest}")
