"""Multi-objective search (accuracy x latency): steady-state NSGA-II, Pareto fronts and hypervolume.

:class:`NSGA2` is the steady-state ("mu + 1") variant of NSGA-II (Deb et al., 2002) with mutation as
the variation operator: after ``population_size`` random architectures, each ask picks a parent by
binary tournament on (non-domination rank, crowding distance) and proposes an unevaluated
single-mutation neighbour; each tell adds the result and, once the population is full, removes the
member with the worst rank and, within it, the smallest crowding distance.

Helpers work on *minimization* arrays (negate higher-is-better metrics first): :func:`pareto_mask`
(exact, ``O(n log n)`` in two dimensions), :func:`nondominated_ranks`, :func:`crowding_distance`,
and :func:`hypervolume` (exact; sweep in 2-D, slicing over the last objective above).
"""

from __future__ import annotations

import numpy as np

from bench.search.base import SearchAlgorithm
from bench.search.domain import SearchDomain

_BLOCK = 2048


# ---- Pareto utilities (minimization) -------------------------------------------------------------
def attainment_surfaces(fronts: list[np.ndarray], levels: tuple[float, ...] = (0.25, 0.5, 0.75)
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Empirical attainment surfaces of 2-D minimization fronts, one front per run (Fonseca & Fleming 1996).

    The ``k``-surface is what at least a fraction ``k`` of the runs attain: for each threshold ``t`` on
    the second objective (every value the fronts hold, sorted) it gives the ``ceil(k n)``-th smallest,
    over the ``n`` runs, of the best first objective a run reached with second objective ``<= t``
    (``inf`` where too few runs reach ``t``). Returns ``(t, surfaces)``, ``surfaces[i]`` for ``levels[i]``.
    """
    if not fronts:
        raise ValueError("attainment surfaces need at least one front")
    pts = [np.asarray(f, dtype=np.float64).reshape(-1, 2) for f in fronts]
    t = np.unique(np.concatenate([p[:, 1] for p in pts]))
    best = np.full((len(pts), t.size), np.inf)
    for i, p in enumerate(pts):
        if len(p) == 0:
            continue
        order = np.argsort(p[:, 1], kind="stable")
        running = np.minimum.accumulate(p[order, 0])  # best first objective up to each second-objective value
        idx = np.searchsorted(p[order, 1], t, side="right") - 1
        best[i] = np.where(idx >= 0, running[np.maximum(idx, 0)], np.inf)
    best.sort(axis=0)
    rows = [max(int(np.ceil(k * len(pts))), 1) - 1 for k in levels]
    return t, best[rows]


def pareto_mask(points: np.ndarray) -> np.ndarray:
    """True for points no other point dominates (identical points do not dominate each other)."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2:
        raise ValueError(f"expected an (n, d) array of objective values, got shape {pts.shape}")
    n, d = pts.shape
    if n == 0:
        return np.zeros(0, dtype=bool)
    uniq, inverse = np.unique(pts, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    if d == 1:
        keep = uniq[:, 0] == uniq[:, 0].min()
    elif d == 2:
        # unique rows come sorted by (f1, f2): a row survives iff its f2 beats every earlier row's f2
        prev_min = np.concatenate([[np.inf], np.minimum.accumulate(uniq[:-1, 1])])
        keep = uniq[:, 1] < prev_min
    else:
        keep = np.ones(len(uniq), dtype=bool)
        for lo in range(0, len(uniq), _BLOCK):
            blk = uniq[lo : lo + _BLOCK]
            le = (uniq[None, :, :] <= blk[:, None, :]).all(axis=2)
            lt = (uniq[None, :, :] < blk[:, None, :]).any(axis=2)
            keep[lo : lo + _BLOCK] = ~(le & lt).any(axis=1)
    return keep[inverse]


def nondominated_ranks(points: np.ndarray) -> np.ndarray:
    """Front index of each point (0 = non-dominated), by peeling successive Pareto fronts.

    Small sets (populations) use Deb's domination counts on one dominance matrix; large ones peel
    fronts with :func:`pareto_mask`.
    """
    pts = np.asarray(points, dtype=np.float64)
    ranks = np.full(len(pts), -1, dtype=np.int64)
    if len(pts) <= _BLOCK // 8:
        dom = ((pts[:, None, :] <= pts[None, :, :]).all(axis=2) & (pts[:, None, :] < pts[None, :, :]).any(axis=2))
        count = dom.sum(axis=0)  # how many points dominate each point
        remaining = np.ones(len(pts), dtype=bool)
        front = 0
        while remaining.any():
            current = remaining & (count == 0)
            ranks[current] = front
            remaining &= ~current
            count = count - dom[current].sum(axis=0)
            front += 1
        return ranks
    left = np.arange(len(pts))
    front = 0
    while len(left):
        mask = pareto_mask(pts[left])
        ranks[left[mask]] = front
        left = left[~mask]
        front += 1
    return ranks


def crowding_distance(points: np.ndarray) -> np.ndarray:
    """NSGA-II crowding distance within one front (boundary points get infinity)."""
    pts = np.asarray(points, dtype=np.float64)
    n, d = pts.shape
    dist = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(d):
        order = np.argsort(pts[:, j], kind="stable")
        span = pts[order[-1], j] - pts[order[0], j]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (pts[order[2:], j] - pts[order[:-2], j]) / span
    return dist


def hypervolume(points: np.ndarray, ref: np.ndarray) -> float:
    """Volume dominated by ``points`` and bounded by the reference point ``ref`` (minimization)."""
    pts = np.asarray(points, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != len(ref):
        raise ValueError(f"points of shape {pts.shape} do not match a {len(ref)}-objective reference point")
    pts = pts[(pts < ref).all(axis=1)]
    if not len(pts):
        return 0.0
    pts = np.unique(pts[pareto_mask(pts)], axis=0)
    d = pts.shape[1]
    if d == 1:
        return float(ref[0] - pts[:, 0].min())
    if d == 2:
        pts = pts[np.argsort(pts[:, 0], kind="stable")]  # f2 then decreases along the front
        upper = np.concatenate([[ref[1]], pts[:-1, 1]])
        return float(((ref[0] - pts[:, 0]) * (upper - pts[:, 1])).sum())
    pts = pts[np.argsort(pts[:, -1], kind="stable")]
    bounds = np.concatenate([pts[1:, -1], [ref[-1]]])
    return float(sum(hypervolume(pts[: i + 1, :-1], ref[:-1]) * (bounds[i] - pts[i, -1]) for i in range(len(pts))))


# ---- the algorithm --------------------------------------------------------------------------------
class NSGA2(SearchAlgorithm):
    """Steady-state NSGA-II over single mutations (told values are higher-is-better per objective)."""

    name = "mo"
    multi_objective = True

    def __init__(self, seed: int = 0, population_size: int = 20, max_tries: int = 16) -> None:
        super().__init__(seed)
        if population_size < 2:
            raise ValueError("population_size must be at least 2")
        self.population_size = int(population_size)
        self.max_tries = int(max_tries)

    def setup(self, domain: SearchDomain, n_objectives: int = 2) -> None:
        super().setup(domain, n_objectives)
        self._seen = np.zeros(len(domain), dtype=bool)
        self._pop_rows: list[int] = []
        self._pop_costs: list[np.ndarray] = []  # minimization form: -told values
        self._asked = 0
        self._rank = np.zeros(0, dtype=np.int64)
        self._crowd = np.zeros(0)

    def _issue(self, row: int) -> np.ndarray:
        self._seen[row] = True
        self._asked += 1
        return self.domain.codes[row]

    def _random_unseen(self) -> int | None:
        unseen = np.flatnonzero(~self._seen)
        return int(self.rng.choice(unseen)) if len(unseen) else None

    def ask(self) -> np.ndarray | None:
        if self._asked < self.population_size or len(self._pop_rows) < 2:
            row = self._random_unseen()
            return None if row is None else self._issue(row)
        for _ in range(self.max_tries):
            a, b = self.rng.integers(0, len(self._pop_rows), size=2)
            key_a = (self._rank[a], -self._crowd[a])
            key_b = (self._rank[b], -self._crowd[b])
            parent = self._pop_rows[a if key_a <= key_b else b]
            child = int(self.domain.mutate_rows(np.array([parent]), self.rng)[0])
            if not self._seen[child]:
                return self._issue(child)
        row = self._random_unseen()
        return None if row is None else self._issue(row)

    def tell(self, code: np.ndarray, value: float | np.ndarray) -> None:
        self._pop_rows.append(int(self.domain.rows(code)[0]))
        self._pop_costs.append(-np.atleast_1d(np.asarray(value, dtype=np.float64)))
        costs = np.stack(self._pop_costs)
        rank = nondominated_ranks(costs)
        if len(costs) > self.population_size:  # drop the most crowded member of the last front
            worst = np.flatnonzero(rank == rank.max())
            drop = int(worst[np.argmin(crowding_distance(costs[worst]))])
            del self._pop_rows[drop], self._pop_costs[drop]
            costs = np.delete(costs, drop, axis=0)
            rank = nondominated_ranks(costs)
        crowd = np.empty(len(costs))
        for r in range(int(rank.max()) + 1):
            members = rank == r
            crowd[members] = crowding_distance(costs[members])
        self._rank, self._crowd = rank, crowd

    @property
    def population(self) -> np.ndarray:
        """Rows of the current population."""
        return np.asarray(self._pop_rows, dtype=np.int64)
