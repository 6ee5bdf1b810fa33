"""``--key --data-dir --rpc-url``: the options of an admin's commands (``member admit|
approve|...``, ``standard publish|approve|retire``), and the admin's connection to the chain.

Each admin signs its own transactions with its own key (on the embedded development chain
the deployer, its first admin, is the default). The chain and contracts are those of the data
directory's deployment (or ``--rpc-url``). The chain imports (web3) wait until a command
connects, so the pure ``standard`` commands start fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from carbonledger.cli.common import Node, clear_errors
from carbonledger.cli.session import PASSWORD_ENV
from carbonledger.errors import CarbonLedgerError

if TYPE_CHECKING:
    from carbonledger.chain.sender import TxSender

AdminKeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--key",
        help=f"The admin's keystore (password from ${PASSWORD_ENV} or a prompt); by default "
        "the deployer key of the settings (the embedded chain's first admin).",
    ),
]


Outcome = TypeVar("Outcome")


@dataclass(frozen=True)
class Admin(Node):
    """``--data-dir --rpc-url --key``: an admin sending its own transactions."""

    key: AdminKeyOpt = None

    def send(
        self, act: Callable[[TxSender, Any], Outcome], contract: str = "MemberRegistry"
    ) -> Outcome:
        """``act(sender, registry)`` as this admin; every error one line."""
        with clear_errors():
            return act(*self.connect(contract))

    def connect(self, contract: str = "MemberRegistry") -> tuple[TxSender, Any]:
        """The admin's transaction sender and the deployment's ``contract`` (the
        MemberRegistry, or the StandardRegistry for ``carbonledger standard publish``)."""
        from eth_utils.address import to_checksum_address

        from carbonledger.chain.admin import ROLE_BITS
        from carbonledger.chain.artifacts import load_artifacts
        from carbonledger.chain.client import connect
        from carbonledger.chain.manifest import read_manifest
        from carbonledger.chain.sender import TxSender
        from carbonledger.client import load_keystore
        from carbonledger.runtime import RunInfo

        settings = self.settings()
        manifest = read_manifest(settings.manifest_path)
        if manifest is None:
            raise CarbonLedgerError(
                f"no deployment in {settings.data_dir}: run `carbonledger up` first"
            )
        run = RunInfo.read(settings.pid_path)
        url = self.rpc_url or (run.rpc_url if run and run.alive() else settings.effective_rpc_url)
        w3 = connect(url)
        if self.key is not None:
            password = os.environ.get(PASSWORD_ENV) or typer.prompt(
                "keystore password", hide_input=True
            )
            private_key = "0x" + bytes(load_keystore(self.key, password).key).hex()
        else:
            private_key = settings.keys().deployer
        artifacts = load_artifacts(settings.project_root)

        def deployed(name: str) -> Any:
            address = to_checksum_address(manifest.address(name))
            return w3.eth.contract(address=address, abi=artifacts[name].abi)

        registry, members = deployed(contract), deployed("MemberRegistry")
        sender = TxSender(w3, private_key)
        # the registry would revert (seen as "out of gas" by the gas estimate): say why instead
        if not members.functions.hasRole(sender.address, ROLE_BITS["admin"]).call():
            raise CarbonLedgerError(
                f"{sender.address} is not an active admin of the MemberRegistry at "
                f"{members.address}: only admins propose and approve membership and standard "
                "changes"
            )
        return sender, registry
