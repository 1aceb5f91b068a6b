"""Regularized (aging) evolution, REA (Real, Aggarwal, Huang, Le; AAAI 2019).

The first ``population_size`` results come from uniform random architectures. After that each ask
draws ``sample_size`` members of the population uniformly *with replacement* (the paper's
tournament), takes the best (ties: the first drawn) as parent and proposes a uniform
single-mutation neighbour of it inside the benchmark. Every told result joins the population and
the oldest member leaves (the population is the last ``population_size`` results, kept in a ring).
Defaults follow NAS-Bench-201's REA setting (population 10, tournament 3).

Each ask consumes ``sample_size + 1`` uniforms from a :class:`~bench.search.base.UniformStream`,
so :meth:`RegularizedEvolution.simulate_seeds` can step every seed at once with numpy and produce
exactly the trajectories of the ask/tell path.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.search.base import SearchAlgorithm, UniformStream, uniform_index
from bench.search.domain import SearchDomain

#: floats of pre-drawn uniforms held at once by the seed-batched path (~128 MB)
_BATCH_FLOATS = 1 << 24


class RegularizedEvolution(SearchAlgorithm):
    """Aging evolution with tournament selection and single mutations."""

    name = "rea"
    supports_seed_batch = True

    def __init__(self, seed: int = 0, population_size: int = 10, sample_size: int = 3) -> None:
        super().__init__(seed)
        if population_size < 1 or sample_size < 1:
            raise ValueError("population_size and sample_size must be at least 1")
        self.population_size = int(population_size)
        self.sample_size = int(sample_size)

    def setup(self, domain: SearchDomain, n_objectives: int = 1) -> None:
        super().setup(domain, n_objectives)
        self._stream = UniformStream(self.seed, self.sample_size + 1)
        self._pop_rows = [-1] * self.population_size
        self._pop_values = [-np.inf] * self.population_size
        self._told = 0

    def ask(self) -> np.ndarray:
        return self.domain.codes[self.ask_row()]

    def tell(self, code: np.ndarray, value: float | np.ndarray) -> None:
        self.tell_row(self.domain.row(np.asarray(code)), value)

    def ask_row(self) -> int:
        """:func:`propose` for one population in plain Python floats and ints (the same row)."""
        u = self._stream.next_list()
        p = self.population_size
        if self._told < p:
            n = len(self.domain)
            k = int(u[0] * n)
            return k if k < n else n - 1
        values = self._pop_values
        winner = -1
        best = 0.0
        for x in u[:-1]:  # the tournament: argmax of the drawn values, first drawn wins ties
            slot = int(x * p)
            if slot >= p:
                slot = p - 1
            v = values[slot]
            if winner < 0 or v > best:
                winner, best = slot, v
            if v != v:  # NaN: numpy's argmax stops at the first one
                winner = slot
                break
        return self.domain.pick_neighbour_one(self._pop_rows[winner], u[-1])

    def tell_row(self, row: int, value: float | np.ndarray) -> None:
        slot = self._told % self.population_size
        self._pop_rows[slot] = row
        self._pop_values[slot] = float(value)
        self._told += 1

    @classmethod
    def simulate_seeds(cls, domain: SearchDomain, values: np.ndarray, seeds: list[int], n_queries: int,
                       params: dict[str, Any]) -> np.ndarray:
        """One sequential worker for every seed at once: each step is a handful of array operations."""
        algo = cls(**params)
        p, s = algo.population_size, algo.sample_size
        q = int(n_queries)
        out = np.empty((len(seeds), q), dtype=np.int64)
        _ = domain.neighbour_table  # build once, outside the timed loop
        chunk = max(1, _BATCH_FLOATS // max(q * (s + 1), 1))
        for lo in range(0, len(seeds), chunk):
            part = seeds[lo : lo + chunk]
            u = np.stack([UniformStream(seed, s + 1).block(q) for seed in part])
            pop_rows = np.full((len(part), p), -1, dtype=np.int64)
            pop_values = np.full((len(part), p), -np.inf)
            for t in range(q):
                rows = propose(u[:, t], t, pop_rows, pop_values, domain)
                out[lo : lo + len(part), t] = rows
                pop_rows[:, t % p] = rows
                pop_values[:, t % p] = values[rows]
        return out


def propose(u: np.ndarray, told: int, pop_rows: np.ndarray, pop_values: np.ndarray, domain: SearchDomain
            ) -> np.ndarray:
    """Next row per population (one per row of ``u``): random while fewer than P told, else
    tournament of ``u[:, :-1]`` and a mutation of the winner picked by ``u[:, -1]``."""
    p = pop_rows.shape[1]
    if told < p:
        return uniform_index(u[:, 0], len(domain))
    slots = uniform_index(u[:, :-1], p)
    ar = np.arange(len(u))
    drawn = pop_values[ar[:, None], slots]
    winner = slots[ar, np.argmax(drawn, axis=1)]
    return domain.pick_neighbour(pop_rows[ar, winner], u[:, -1])
