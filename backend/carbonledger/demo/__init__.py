"""``carbonledger demo``: a realistic supply-chain scenario on a fresh embedded chain.

* :mod:`~carbonledger.demo.data` -- the members and their seeded activity data, as claim
  documents the standard passes (pure);
* :mod:`~carbonledger.demo.ledger` -- the ledger started in this process as ``carbonledger up``
  starts it;
* :mod:`~carbonledger.demo.scenario` -- the story, through LedgerClient over HTTP, ending
  with the independent verifier.

The command is ``backend/carbonledger/cli/demo.py``; the walkthrough ``docs/demo.md``.
"""
