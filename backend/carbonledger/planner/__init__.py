"""Joint abatement planning (issue 14): pure domain, no I/O but the catalogue loader.

What to fund and how to split it: each firm's marginal abatement cost curve from its verified
footprint and the technology catalogue, the joint curve over partners' overlapping emissions,
the least-cost (or most-carbon) plan solved by HiGHS, and the project's cost split by named
cooperative-game methods with a core check. See ``docs/planner.md``.
"""
