"""Splitting a joint project's cost: a cooperative cost game and its classic solutions.

``c(S)`` is what coalition ``S`` would pay on its own: its least cost to reach its members'
targets with its members' options (for the plan, a MILP per coalition; in the textbook tests,
a formula). The methods, shown side by side in a plan:

* **proportional** -- to each party's counted reduction (any weights);
* **stand-alone** -- to each party's stand-alone cost ``c({i})``;
* **equal savings** -- each pays ``c({i})`` less an equal part of the savings
  ``sum c({i}) - c(N)``;
* **Shapley value** -- each party's marginal cost averaged over every order of joining; exact
  (``2^n`` coalitions) up to :data:`EXACT_SHAPLEY_MAX` parties, else estimated from random
  orders, with the standard error of each share;
* **nucleolus** -- the allocation that lexicographically maximises the smallest savings any
  coalition gets, found by the standard sequence of linear programs (Maschler, Peleg and
  Shapley 1979; Kohlberg 1971); restricted to imputations (no party pays more than alone)
  when the game has any, which puts it in the core whenever the core is not empty.

The **core**: allocations with ``x(N) = c(N)`` and ``x(S) <= c(S)`` for every coalition --
no group would rather leave. The Shapley value of a game that is not concave may fall outside
it; :func:`recommend` then picks the nucleolus.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

from carbonledger.overlaps import BPS
from carbonledger.planner.errors import SharingError

#: Exact Shapley values up to this many parties (2^15 = 32,768 coalitions).
EXACT_SHAPLEY_MAX = 15
#: The nucleolus enumerates every coalition in each LP; beyond this it is refused.
NUCLEOLUS_MAX = 12
#: Slack for "in the core" and for LP tightness, relative to the grand coalition's cost.
REL_TOL = 1e-7

Coalition = frozenset[str]

Vector = npt.NDArray[np.float64]


class Game:
    """A cost game over ``players`` with ``cost(coalition)`` memoised (``cost(∅) = 0``)."""

    def __init__(self, players: Sequence[str], cost: Callable[[Coalition], float]) -> None:
        if len(set(players)) != len(players) or not players:
            raise SharingError("a game needs one or more distinct players")
        self.players = tuple(players)
        self._cost = cost
        self._memo: dict[Coalition, float] = {frozenset(): 0.0}

    def c(self, coalition: Iterable[str]) -> float:
        key = frozenset(coalition)
        if key not in self._memo:
            self._memo[key] = float(self._cost(key))
        return self._memo[key]

    @property
    def grand(self) -> float:
        return self.c(self.players)

    def coalitions(self) -> Iterable[Coalition]:
        """Every non-empty proper coalition."""
        n = len(self.players)
        for size in range(1, n):
            for combo in itertools.combinations(self.players, size):
                yield frozenset(combo)

    @property
    def tolerance(self) -> float:
        return max(1.0, abs(self.grand)) * REL_TOL


@dataclass(frozen=True)
class Split:
    """One method's cost shares, whether they lie in the core, and notes (e.g. sampling error)."""

    method: str
    shares: Mapping[str, float]
    in_core: bool
    blocking: tuple[str, ...] = ()
    """A coalition that would pay less alone (when not in the core)."""
    error: Mapping[str, float] = field(default_factory=dict)
    """Standard error of each share (sampled Shapley only)."""
    note: str = ""


def core_violation(game: Game, shares: Mapping[str, float]) -> tuple[str, ...]:
    """A coalition paying more than alone under ``shares`` (the worst one), or ``()``."""
    worst: tuple[float, Coalition] | None = None
    for s in game.coalitions():
        over = sum(shares[p] for p in s) - game.c(s)
        if over > game.tolerance and (worst is None or over > worst[0]):
            worst = (over, s)
    if worst is None:
        return ()
    return tuple(p for p in game.players if p in worst[1])


def _split(game: Game, method: str, shares: Mapping[str, float], **extra: object) -> Split:
    total = sum(shares.values())
    if not all(math.isfinite(v) for v in shares.values()):
        raise SharingError(f"{method}: undefined, a coalition cannot reach its share alone")
    if abs(total - game.grand) > game.tolerance * 10:
        raise SharingError(f"{method}: shares sum to {total}, not the cost {game.grand}")
    blocking = core_violation(game, shares)
    return Split(method, dict(shares), not blocking, blocking, **extra)  # type: ignore[arg-type]


def proportional(game: Game, weights: Mapping[str, float], method: str = "proportional") -> Split:
    """``c(N)`` in proportion to ``weights`` (e.g. each party's counted reduction)."""
    total = sum(weights[p] for p in game.players)
    if total <= 0 or any(weights[p] < 0 for p in game.players):
        raise SharingError(f"{method}: weights must be >= 0 with a positive sum")
    return _split(game, method, {p: game.grand * weights[p] / total for p in game.players})


def stand_alone(game: Game) -> Split:
    """``c(N)`` in proportion to each party's stand-alone cost ``c({i})``."""
    return proportional(game, {p: game.c([p]) for p in game.players}, "stand-alone")


def equal_savings(game: Game) -> Split:
    """Each pays its stand-alone cost less ``1/n`` of the joint savings."""
    alone = {p: game.c([p]) for p in game.players}
    saving = (sum(alone.values()) - game.grand) / len(game.players)
    return _split(game, "equal savings", {p: alone[p] - saving for p in game.players})


def shapley(game: Game, samples: int = 2000, seed: int = 0) -> Split:
    """Exact Shapley value up to :data:`EXACT_SHAPLEY_MAX` parties, sampled beyond."""
    n = len(game.players)
    if n <= EXACT_SHAPLEY_MAX:
        phi = dict.fromkeys(game.players, 0.0)
        weight = [
            math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)
        ]
        for p in game.players:
            others = [q for q in game.players if q != p]
            for k in range(n):
                for combo in itertools.combinations(others, k):
                    phi[p] += weight[k] * (game.c((*combo, p)) - game.c(combo))
        return _split(game, "Shapley", phi)
    return sampled_shapley(game, samples, seed)


def sampled_shapley(game: Game, samples: int, seed: int = 0) -> Split:
    """Shapley value estimated from ``samples`` random joining orders (Castro et al. 2009).

    Each order's marginal costs sum to ``c(N)``, so the estimates do too; the standard error of
    each share is the sample standard deviation over ``sqrt(samples)``.
    """
    if samples < 2:
        raise SharingError("sampled Shapley needs at least 2 samples")
    rng = random.Random(seed)
    draws: dict[str, list[float]] = {p: [] for p in game.players}
    order = list(game.players)
    for _ in range(samples):
        rng.shuffle(order)
        before: list[str] = []
        prev = 0.0
        for p in order:
            before.append(p)
            now = game.c(before)
            draws[p].append(now - prev)
            prev = now
    phi = {p: float(np.mean(v)) for p, v in draws.items()}
    err = {p: float(np.std(v, ddof=1) / math.sqrt(samples)) for p, v in draws.items()}
    return _split(
        game,
        "Shapley (sampled)",
        phi,
        error=err,
        note=f"estimated from {samples} random orders; ± is one standard error",
    )


def nucleolus(game: Game) -> Split:
    """The nucleolus by the sequence of LPs.

    Level by level: maximise ``eps`` s.t. ``c(S) - x(S) >= eps`` for the coalitions not yet
    fixed, ``c(S) - x(S) = eps_k`` for those fixed at earlier levels, ``x(N) = c(N)`` (and
    ``x_i <= c({i})`` when the imputation set is not empty); then fix every coalition whose
    savings cannot rise above ``eps`` (one LP each), until the fixed coalitions determine
    ``x`` uniquely.
    """
    players = game.players
    n = len(players)
    if n > NUCLEOLUS_MAX:
        raise SharingError(f"the nucleolus is computed for up to {NUCLEOLUS_MAX} parties, not {n}")
    if n == 1:
        return _split(game, "nucleolus", {players[0]: game.grand})
    index = {p: i for i, p in enumerate(players)}

    def row(s: Coalition) -> Vector:
        r = np.zeros(n + 1)
        for p in s:
            r[index[p]] = 1.0
        return r

    imputations = sum(game.c([p]) for p in players) >= game.grand - game.tolerance
    free = list(game.coalitions())
    fixed: list[tuple[Coalition, float]] = []
    tol = game.tolerance
    x = np.zeros(n)
    while True:
        eq_a = [np.append(np.ones(n), 0.0)]
        eq_b = [game.grand]
        for s, e in fixed:
            eq_a.append(row(s))
            eq_b.append(game.c(s) - e)
        ub_a = [row(s) + np.eye(n + 1)[n] for s in free]  # x(S) + eps <= c(S)
        ub_b = [game.c(s) for s in free]
        bounds: list[tuple[float | None, float | None]] = [(None, None)] * (n + 1)
        if imputations:
            bounds = [(None, game.c([p])) for p in players] + [(None, None)]
        objective = np.zeros(n + 1)
        objective[n] = -1.0
        res = linprog(
            objective,
            A_ub=np.array(ub_a),
            b_ub=np.array(ub_b),
            A_eq=np.array(eq_a),
            b_eq=np.array(eq_b),
            bounds=bounds,
            method="highs",
        )
        if res.status != 0:
            raise SharingError(f"nucleolus LP failed: {res.message}")
        eps = float(res.x[n])
        x = np.asarray(res.x[:n])
        # which free coalitions are stuck at eps in every optimum of this level?
        newly: list[Coalition] = []
        for s in free:
            obj = -row(s)[:n]  # maximise c(S) - x(S)  <=>  minimise x(S)
            a_ub = [row(t)[:n] for t in free if t != s]
            b_ub = [game.c(t) - eps for t in free if t != s]
            probe = linprog(
                obj,
                A_ub=np.array(a_ub) if a_ub else None,
                b_ub=np.array(b_ub) if b_ub else None,
                A_eq=np.array([r[:n] for r in eq_a]),
                b_eq=np.array(eq_b),
                bounds=[(lo, hi) for lo, hi in bounds[:n]],
                method="highs",
            )
            if probe.status == 0 and game.c(s) + float(probe.fun) <= eps + tol:
                newly.append(s)
        if not newly:  # numerical guard: fix the tightest one
            newly = [min(free, key=lambda s: game.c(s) - float(row(s)[:n] @ x))]
        fixed += [(s, eps) for s in newly]
        free = [s for s in free if s not in newly]
        rank = np.linalg.matrix_rank(np.array([np.ones(n)] + [row(s)[:n] for s, _ in fixed]))
        if rank >= n or not free:
            break
    shares = {p: float(x[index[p]]) for p in players}
    note = "" if imputations else "no imputation exists; this is the prenucleolus"
    return _split(game, "nucleolus", shares, note=note)


def recommend(splits: Sequence[Split]) -> Split:
    """The split to propose: the Shapley value when it is in the core, else the nucleolus.

    A settlement takes a positive share from every party, so a split that pays a party (a
    party whose stand-alone cost dwarfs the others' can be owed money) is passed over for the
    next one in the core with positive shares; when none has them, the preferred one is
    returned and the caller reports that it cannot be proposed as is.
    """
    by_name = {s.method.split(" ")[0]: s for s in splits}
    preferred = [by_name[k] for k in ("Shapley", "nucleolus") if k in by_name]
    ordered = [s for s in preferred if s.in_core] + [
        s for s in splits if s.in_core and s not in preferred
    ]
    for s in ordered:
        if all(v > 0 for v in s.shares.values()):
            return s
    return ordered[0] if ordered else splits[0]


def to_bps(shares: Mapping[str, float], players: Sequence[str]) -> dict[str, int]:
    """Cost shares as basis points summing to exactly 10,000 (largest remainder, >= 1 each).

    Raises :class:`SharingError` when a share is not positive: the settlement contract takes
    a positive share from each party, so a split that pays a party cannot be proposed as is.
    """
    total = sum(shares[p] for p in players)
    bad = [p for p in players if shares[p] <= 0]
    if total <= 0 or bad:
        raise SharingError(
            f"shares of {', '.join(bad) or 'all parties'} are not positive; a settlement needs "
            "a positive share from every party"
        )
    raw = {p: BPS * shares[p] / total for p in players}
    out = {p: max(1, math.floor(raw[p])) for p in players}
    rest = BPS - sum(out.values())
    order = sorted(players, key=lambda p: (-(raw[p] - math.floor(raw[p])), players.index(p)))
    i = 0
    while rest != 0:
        p = order[i % len(order)]
        if rest > 0:
            out[p] += 1
            rest -= 1
        elif out[p] > 1:
            out[p] -= 1
            rest += 1
        i += 1
    return out
