"""The ledger's vocabulary: on-chain structs, roles, statuses, constants, signer recovery.

Pure (no I/O, no web3): the service, the chain adapter, the independent verifier and the
client all take their encodings from here. Each struct is declared once in
:mod:`carbonledger.vocab.structs`; EIP-712, ABI, JSON and packed forms are derived from it.
"""

from carbonledger.vocab import constants, merkle, signatures, structs
from carbonledger.vocab.constants import *  # noqa: F403
from carbonledger.vocab.merkle import *  # noqa: F403
from carbonledger.vocab.signatures import *  # noqa: F403
from carbonledger.vocab.structs import *  # noqa: F403

__all__ = [*constants.__all__, *merkle.__all__, *signatures.__all__, *structs.__all__]
