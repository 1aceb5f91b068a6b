"""Cross-benchmark comparison of methods: average ranks, Friedman test and Nemenyi critical differences.

Demšar (2006), "Statistical comparisons of classifiers over multiple data sets", JMLR 7: on each
*block* (here a board) the compared methods are ranked (rank 1 = best, ties share the average
rank); the Friedman test asks whether the average ranks differ more than chance allows, the
Iman–Davenport F is its less conservative form, and two methods whose average ranks differ by less
than the Nemenyi critical difference ``CD = q_alpha sqrt(k (k + 1) / (6 N))`` are not significantly
different (``q_alpha``: the studentized range quantile for k groups and infinite degrees of freedom
over sqrt(2)). A critical-difference diagram draws the average ranks on one axis and joins the
methods that are not significantly different with thick bars.

Two summaries are built from the committed boards:

* **predictors**: each predictor board (benchmark, target) at a training-set size is a block, scored
  by ``kendall_tau_mean`` (higher is better for every target, latency included: it is the rank
  agreement of predicted and true values). Where a board holds several configurations of a
  predictor, the one whose hyperparameters the most boards carry keeps the predictor's name and each
  other one is a method of its own (``zero_cost[proxy=zc_nwot]``, ``xgb[features=onehot+graf+extra]``),
  so no configuration is picked by its test score.
* **search algorithms**: each search board (``search/<family>/<dataset>/summary.csv``) is a block,
  scored by the test value of the final incumbent at the board's largest budget
  (``final_test_mean``; ranks by final regret are the same, as a board has one optimum).

The Friedman test needs every compared method on every block, and boards do not all carry the same
methods, so each size gets up to three comparisons, each a set of methods and the boards that carry
all of them (identical ones are merged):

* ``common``: the methods present on every board of the size (all boards, fewest methods);
* ``majority``: the methods present on at least half of the boards, on the boards carrying all of them;
* ``widest``: the largest set of methods that at least ``min_boards`` boards carry together (ties:
  more boards, then names), on those boards.

Search boards add ``reference``: NAS-Bench-Suite's algorithms only (to set its published average ranks
beside ours). A comparison of fewer than ``min_test_boards`` boards gets average ranks only.

:func:`build_rank_summary` writes ``<out>/ranks/{predictors,search,blocks}.csv``, critical-difference
diagrams (``predictors_n<size>[_<comparison>].png``, ``search[_<comparison>].png``) and the page
``<out>/ranks/README.md``; ``python -m bench.ranking [LEADERBOARDS_DIR]`` does the same.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from bench.atomic import atomic_path, atomic_write_text

#: NAS-Bench-Suite (Mehta et al., ICLR 2022), average rank over its 25 search tasks, default settings
NAS_BENCH_SUITE_RANKS = {"RE": 2.36, "LS": 2.66, "BANANAS": 3.02, "RS": 3.47, "NPENAS": 3.48}
#: ArchBench's name of each NAS-Bench-Suite algorithm
NAS_BENCH_SUITE_NAMES = {"RE": "rea", "LS": "ls", "BANANAS": "bananas", "RS": "rs", "NPENAS": "npenas"}
#: the comparisons made at each size, in this order
RULES = ("common", "majority", "widest")
RULE_TEXT = {
    "common": "the methods present on every board",
    "majority": "the methods present on at least half of the boards, on the boards that carry all of them",
    "widest": "the largest set of methods that at least {min_boards} boards carry together, on those boards",
    "reference": "NAS-Bench-Suite's algorithms only: the largest set of them that at least 2 boards carry "
                 "together, on those boards",
}
SEARCH_COLUMNS = frozenset({"algorithm", "budget", "final_test_mean"})


# -- statistics ---------------------------------------------------------------------------------------
def rank_blocks(scores: pd.DataFrame, higher_is_better: bool = True) -> pd.DataFrame:
    """Ranks of the methods (columns) within each block (row): 1 = best, ties get the average rank."""
    if scores.isna().any().any():
        raise ValueError("every method needs a score on every block")
    return scores.rank(axis=1, ascending=not higher_is_better, method="average")


def average_ranks(scores: pd.DataFrame, higher_is_better: bool = True) -> pd.Series:
    """Each method's (column's) mean rank over the blocks (rows)."""
    return rank_blocks(scores, higher_is_better).mean(axis=0)


@dataclass(frozen=True)
class Friedman:
    chi2: float
    p: float
    f: float  # Iman–Davenport
    p_f: float


def friedman(ranks: pd.DataFrame) -> Friedman:
    """Friedman's chi-square (with scipy's correction for ties within blocks) and the Iman–Davenport F
    from a blocks x methods rank matrix. NaN where it is undefined (fewer than 2 blocks or methods, or
    every block entirely tied)."""
    n, k = ranks.shape
    nan = Friedman(*(float("nan"),) * 4)
    if n < 2 or k < 2:
        return nan
    r = ranks.to_numpy(float)
    sums = r.sum(axis=0)
    chi2 = 12.0 / (n * k * (k + 1)) * float(np.sum(sums**2)) - 3.0 * n * (k + 1)
    ties = sum(float(np.sum(c**3 - c)) for row in r for c in [np.unique(row, return_counts=True)[1].astype(float)])
    correction = 1.0 - ties / (n * k * (k * k - 1))
    if correction <= 0:
        return nan
    chi2 = max(chi2 / correction, 0.0)
    p = float(stats.chi2.sf(chi2, k - 1))
    denominator = n * (k - 1) - chi2
    if denominator <= 0:
        return Friedman(chi2, p, float("inf"), 0.0)
    f = (n - 1) * chi2 / denominator
    return Friedman(chi2, p, f, float(stats.f.sf(f, k - 1, (k - 1) * (n - 1))))


def nemenyi_q(k: int, alpha: float = 0.05) -> float:
    """Demšar's q_alpha: the studentized range quantile for k groups, infinite df, over sqrt(2)."""
    return float(stats.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2))


def critical_difference(k: int, n: int, alpha: float = 0.05) -> float:
    """The Nemenyi critical difference of average ranks for k methods over n blocks (Demšar 2006)."""
    return nemenyi_q(k, alpha) * math.sqrt(k * (k + 1) / (6.0 * n))


def cliques(avg_ranks: pd.Series, cd: float) -> list[list[str]]:
    """Maximal runs of methods (in rank order) whose average ranks differ by less than ``cd``:
    the bars of a critical-difference diagram. Runs of one method are left out."""
    order = avg_ranks.sort_values(kind="stable")
    names, r = list(order.index), order.to_numpy(float)
    out: list[list[str]] = []
    last_end = -1
    for i in range(len(r)):
        j = i
        while j + 1 < len(r) and r[j + 1] - r[i] < cd:
            j += 1
        if j > i and j > last_end:
            out.append(names[i:j + 1])
            last_end = j
    return out


# -- choosing comparable methods and blocks -----------------------------------------------------------
def _closed_sets(patterns: list[frozenset]) -> set[frozenset]:
    """Every intersection of one or more of ``patterns`` (the method sets that some boards share)."""
    closed = set(patterns)
    frontier = set(patterns)
    while frontier:
        new = {a & b for a in frontier for b in closed} - closed
        closed |= new
        frontier = new
    return closed


def select_comparisons(presence: pd.DataFrame, min_boards: int = 10,
                       rules: tuple[str, ...] = RULES) -> list[tuple[str, list[str], list[str]]]:
    """``(name, methods, blocks)`` per comparison from a blocks x methods presence table (bool); a
    comparison equal to an earlier one is merged into its name (``common = majority``). Comparisons of
    fewer than 2 methods or 2 blocks are dropped."""
    presence = presence.astype(bool)
    methods_of = {b: frozenset(presence.columns[presence.loc[b].to_numpy()]) for b in presence.index}
    found: list[tuple[str, list[str], list[str]]] = []
    for rule in rules:
        if rule == "common":
            chosen = frozenset(presence.columns[presence.all(axis=0).to_numpy()])
        elif rule == "majority":
            chosen = frozenset(presence.columns[(presence.mean(axis=0) >= 0.5).to_numpy()])
        elif rule == "widest":
            counts = {s: sum(s <= m for m in methods_of.values()) for s in _closed_sets(list(set(methods_of.values())))}
            ok = [s for s, c in counts.items() if c >= min_boards and len(s) >= 2]
            if not ok:
                continue
            chosen = max(ok, key=lambda s: (len(s), counts[s], tuple(sorted(s, reverse=True))))
        else:
            raise ValueError(f"unknown comparison rule {rule!r}")
        blocks = [b for b in presence.index if chosen <= methods_of[b]]
        if len(chosen) < 2 or len(blocks) < 2:
            continue
        key = (sorted(chosen), blocks)
        for i, (name, m, b) in enumerate(found):
            if (m, b) == key:
                found[i] = (f"{name} = {rule}", m, b)
                break
        else:
            found.append((rule, *key))
    return found


# -- one comparison -----------------------------------------------------------------------------------
@dataclass
class Comparison:
    """Methods compared over the blocks that carry all of them."""

    kind: str  # "predictors" or "search"
    name: str  # the rule(s) that chose it
    train_size: int | None
    scores: pd.DataFrame  # blocks x methods
    configs: pd.DataFrame  # blocks x methods: the configuration each score came from
    kinds: pd.Series  # block -> "accuracy" / "latency" (predictor boards) or the board family
    alpha: float = 0.05
    description: str = ""  # how the methods and blocks were chosen
    image: str | None = None  # its critical-difference diagram, beside the page
    min_test_boards: int = 5  # fewer blocks: ranks only, no Friedman test or critical difference
    ranks: pd.DataFrame = field(init=False)
    avg: pd.Series = field(init=False)
    test: Friedman = field(init=False)
    q: float = field(init=False)
    cd: float = field(init=False)

    def __post_init__(self) -> None:
        self.ranks = rank_blocks(self.scores)
        self.avg = self.ranks.mean(axis=0).sort_values(kind="stable")
        n, k = self.scores.shape
        tested = n >= self.min_test_boards and k >= 2
        self.test = friedman(self.ranks) if tested else Friedman(*(float("nan"),) * 4)
        self.q = nemenyi_q(k, self.alpha) if tested else float("nan")
        self.cd = critical_difference(k, n, self.alpha) if tested else float("nan")

    @property
    def n(self) -> int:
        return self.scores.shape[0]

    @property
    def k(self) -> int:
        return self.scores.shape[1]

    @property
    def slug(self) -> str:
        return self.name.split(" = ")[0]

    def by_kind(self) -> dict[str, pd.Series]:
        """Average ranks on each kind of block (the ranks are those of the whole comparison)."""
        return {kind: self.ranks.loc[self.kinds[self.ranks.index] == kind].mean(axis=0)
                for kind in sorted(set(self.kinds[self.ranks.index]))}

    def rows(self) -> list[dict[str, object]]:
        best = float(self.avg.iloc[0])
        kinds = self.by_kind()
        counts = self.kinds[self.ranks.index].value_counts()
        out = []
        for place, (method, rank) in enumerate(self.avg.items(), start=1):
            row: dict[str, object] = {"comparison": self.name, "n_boards": self.n, "k": self.k, "place": place,
                                      "method": method, "avg_rank": float(rank)}
            for kind, series in kinds.items():
                row[f"avg_rank_{kind}"] = float(series[method])
                row[f"n_boards_{kind}"] = int(counts[kind])
            row.update(within_cd_of_best=bool(rank - best < self.cd) if np.isfinite(self.cd) else None,
                       friedman_chi2=self.test.chi2, friedman_p=self.test.p, iman_davenport_f=self.test.f,
                       iman_davenport_p=self.test.p_f, alpha=self.alpha, nemenyi_q=self.q, nemenyi_cd=self.cd)
            out.append(row)
        return out

    def block_rows(self) -> list[dict[str, object]]:
        return [{"kind": self.kind, "train_size": self.train_size, "comparison": self.name, "board": block,
                 "board_kind": self.kinds[block], "method": method, "config": self.configs.loc[block, method],
                 "score": float(self.scores.loc[block, method]), "rank": float(self.ranks.loc[block, method])}
                for block in self.scores.index for method in self.scores.columns]


def compare(kind: str, train_size: int | None, long: pd.DataFrame, kinds: pd.Series, min_boards: int = 10,
            alpha: float = 0.05, rules: tuple[str, ...] = RULES, min_test_boards: int = 5) -> list[Comparison]:
    """The comparisons of one size from a long table (block, method, config, score), one row per
    (block, method)."""
    scores = long.pivot(index="block", columns="method", values="score")
    configs = long.pivot(index="block", columns="method", values="config")
    out = []
    for name, methods, blocks in select_comparisons(scores.notna(), min_boards, rules):
        text = RULE_TEXT[name.split(" = ")[0]].format(min_boards=min_boards)
        out.append(Comparison(kind, name, train_size, scores.loc[blocks, methods], configs.loc[blocks, methods],
                              kinds, alpha=alpha, description=text, min_test_boards=min_test_boards))
    return out


# -- reading the boards -------------------------------------------------------------------------------
def _variant_label(predictor: str, mine: str, chosen: str, config_hash: str) -> str:
    """``predictor[key=value,...]``: the hyperparameters in which a configuration differs from the one
    the board shows under the predictor's plain name (``predictor@hash`` if that cannot be told)."""
    try:
        a, b = json.loads(mine), json.loads(chosen)
    except (TypeError, ValueError):
        a = b = None
    if isinstance(a, dict) and isinstance(b, dict):
        differ = [k for k in sorted(set(a) | set(b))
                  if json.dumps(a.get(k), sort_keys=True) != json.dumps(b.get(k), sort_keys=True)]
        if differ:
            return f"{predictor}[" + ",".join(f"{k}={a.get(k)}" for k in differ) + "]"
    return f"{predictor}@{config_hash[:6]}"


def predictor_scores(boards: list[tuple[Path, pd.DataFrame]]) -> pd.DataFrame:
    """Long table (train_size, block, board_kind, method, config, score) from predictor-board CSVs.

    A predictor with one configuration on a board appears under its name. Where a board holds several,
    the one whose hyperparameters (``params``) the most boards carry (the predictor's usual
    configuration, e.g. ``zero_cost`` with ``proxy=auto``, ``xgb`` without side features) takes the
    plain name and each other one is a method of its own, ``predictor[key=value]`` (keys in which it
    differs), so no configuration is chosen by its test score."""
    frames = [s.reindex(columns=["benchmark", "target", "train_size", "predictor", "config_hash", "params",
                                 "higher_is_better", "kendall_tau_mean"]).dropna(subset=["kendall_tau_mean"])
              for _, s in boards]
    frames = [f for f in frames if not f.empty]
    columns = ["train_size", "block", "board_kind", "method", "config", "score"]
    if not frames:
        return pd.DataFrame(columns=columns)
    rows = pd.concat(frames, ignore_index=True)
    rows["block"] = rows["benchmark"].astype(str) + "/" + rows["target"].astype(str)
    rows["params_key"] = [p if isinstance(p, str) else f"hash:{h}"
                          for p, h in zip(rows["params"], rows["config_hash"], strict=True)]
    spread = rows.groupby(["predictor", "params_key"])["block"].nunique()
    rows["spread"] = [spread[(p, k)] for p, k in zip(rows["predictor"], rows["params_key"], strict=True)]
    rows = rows.sort_values(["block", "train_size", "predictor", "spread", "config_hash"],
                            ascending=[True, True, True, False, True], kind="stable")
    out = []
    chosen = None
    for r in rows.itertuples(index=False):
        first = chosen is None or (r.block, r.train_size, r.predictor) != (chosen.block, chosen.train_size,
                                                                             chosen.predictor)
        chosen = r if first else chosen
        method = r.predictor if first else _variant_label(r.predictor, r.params_key, chosen.params_key,
                                                          str(r.config_hash))
        out.append({"train_size": int(r.train_size), "block": r.block,
                    "board_kind": "accuracy" if bool(r.higher_is_better) else "latency",
                    "method": method, "config": str(r.config_hash), "score": float(r.kendall_tau_mean)})
    return pd.DataFrame(out, columns=columns).drop_duplicates(["train_size", "block", "method"])


def search_boards(search_dir: Path) -> list[tuple[Path, pd.DataFrame]]:
    """Every search summary (``summary.csv`` with the columns read here) under ``search_dir``."""
    found = []
    for csv in sorted(search_dir.rglob("summary.csv")) if search_dir.is_dir() else []:
        s = pd.read_csv(csv)
        if not s.empty and SEARCH_COLUMNS <= set(s.columns):
            found.append((csv, s))
    return found


def search_scores(search_dir: Path) -> pd.DataFrame:
    """Long table (block, board_kind, method, config, score, budget) from search summaries: per board
    the rows at its largest budget; per algorithm its best configuration by ``final_test_mean``."""
    frames = []
    for csv, s in search_boards(search_dir):
        block = csv.parent.relative_to(search_dir).as_posix()
        if "budget_unit" in s.columns:  # one budget axis per board: the unit most rows use
            s = s[s["budget_unit"] == s["budget_unit"].value_counts().index[0]]
        s = s[s["budget"] == s["budget"].max()].dropna(subset=["final_test_mean"])
        hashes = s["config_hash"].astype(str) if "config_hash" in s.columns else pd.Series("", index=s.index)
        s = s.assign(config_hash=hashes).sort_values(["final_test_mean", "config_hash"], ascending=[False, True])
        s = s.drop_duplicates("algorithm")
        unit = str(s["budget_unit"].iloc[0]) if "budget_unit" in s.columns and len(s) else ""
        frames.append(pd.DataFrame({
            "block": block, "board_kind": block.split("/")[0] if "/" in block else block,
            "method": s["algorithm"].astype(str),
            "config": [f"{h} at budget {b:g} {unit}".strip()
                       for h, b in zip(s["config_hash"], s["budget"], strict=True)],
            "score": s["final_test_mean"].astype(float),
        }))
    if not frames:
        return pd.DataFrame(columns=["block", "board_kind", "method", "config", "score"])
    return pd.concat(frames, ignore_index=True)


# -- the critical-difference diagram ------------------------------------------------------------------
def plot_cd(avg_ranks: pd.Series, cd: float, path: str | os.PathLike[str], title: str = "") -> Path:
    """A Demšar-style critical-difference diagram: the axis of average ranks (1 = best, on the left),
    each method hanging off its rank to the left (better half) or right, thick bars joining methods
    whose average ranks differ by less than ``cd``, and the CD as a scale bar (none if ``cd`` is NaN)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = avg_ranks.sort_values(kind="stable")
    k = len(order)
    lo, hi = 1, max(k, math.ceil(float(order.iloc[-1])), 2)
    left_n = math.ceil(k / 2)
    groups = cliques(order, cd) if np.isfinite(cd) else []
    # vertical layout in units of 0.3 inch: title, CD scale, axis at 0, clique bars, then the labels
    bar_step, label_step = 0.3, 0.6
    first_label = -(0.5 + bar_step * len(groups) + 0.2)
    bottom = first_label - label_step * (max(left_n, k - left_n) - 1) - 0.5
    top = 2.7 if title else 2.0
    fig = plt.figure(figsize=(7.5, 0.3 * (top - bottom)))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(bottom, top)
    ax.axis("off")

    def x(rank: float) -> float:
        return 0.25 + 0.5 * (rank - lo) / (hi - lo)

    line = {"color": "black", "linewidth": 1}
    ax.plot([x(lo), x(hi)], [0, 0], **line)
    for t in range(lo, hi + 1):
        ax.plot([x(t), x(t)], [0, 0.15], **line)
        ax.text(x(t), 0.25, str(t), ha="center", va="bottom", fontsize=9)
    if np.isfinite(cd):
        end = min(lo + cd, hi)
        ax.plot([x(lo), x(end)], [1.2, 1.2], **line)
        for e in (lo, end):
            ax.plot([x(e), x(e)], [1.1, 1.3], **line)
        ax.text((x(lo) + x(end)) / 2, 1.35, f"CD = {cd:.2f}" + (" (longer than the axis)" if lo + cd > hi else ""),
                ha="center", va="bottom", fontsize=9)
    if title:
        ax.text(0.5, 2.6, title, ha="center", va="top", fontsize=10)
    names, ranks = list(order.index), order.to_numpy(float)
    for i in range(k):
        if i < left_n:
            y, x_text, ha = first_label - label_step * i, 0.22, "right"
        else:
            y, x_text, ha = first_label - label_step * (k - 1 - i), 0.78, "left"
        ax.plot([x(ranks[i]), x(ranks[i]), x_text], [0, y, y], color="black", linewidth=0.8)
        label = f"{names[i]} ({ranks[i]:.2f})" if ha == "right" else f"({ranks[i]:.2f}) {names[i]}"
        ax.text(x_text + (-0.01 if ha == "right" else 0.01), y, label, ha=ha, va="center", fontsize=9)
    for j, g in enumerate(groups):
        y = -(0.45 + bar_step * j)
        ax.plot([x(order[g[0]]) - 0.008, x(order[g[-1]]) + 0.008], [y, y], color="black", linewidth=3.5,
                solid_capstyle="butt")
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.1)
    plt.close(fig)
    return path


# -- the page -----------------------------------------------------------------------------------------
def _fmt(v: float, digits: int = 2) -> str:
    if v is None or not np.isfinite(v):
        return "–" if v is None or np.isnan(v) else "∞"
    return f"{v:.{digits}f}"


def _p(p: float) -> str:
    if p is None or not np.isfinite(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _peq(p: float) -> str:
    return "p < 0.001" if np.isfinite(p) and p < 0.001 else f"p = {_p(p)}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def _test_text(c: Comparison) -> str:
    kinds = c.kinds[c.ranks.index].value_counts().sort_index()
    mix = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    head = f"**{c.name}** ({c.description}): N = {c.n} boards ({mix}), k = {c.k} methods."
    if c.n < c.min_test_boards:
        return f"{head} Fewer than {c.min_test_boards} boards: average ranks only, no test."
    if not np.isfinite(c.test.p):
        return f"{head} The Friedman test is undefined here (every board ties every method)."
    verdict = ("the average ranks differ significantly" if c.test.p < c.alpha
               else "no significant difference among the average ranks")
    return (f"{head} Friedman χ² = {_fmt(c.test.chi2)} ({_peq(c.test.p)}), Iman–Davenport "
            f"F = {_fmt(c.test.f)} ({_peq(c.test.p_f)}): {verdict} at α = {c.alpha:g}. Nemenyi "
            f"q = {c.q:.3f}, CD = {_fmt(c.cd)}.")


def _comparison_md(c: Comparison) -> list[str]:
    kinds = c.by_kind()
    cd = np.isfinite(c.cd)
    header = ["place", "method", "average rank", *[f"on {kind} boards" for kind in kinds]]
    header += ["within CD of best"] if cd else []
    best = float(c.avg.iloc[0])
    rows = [[str(i), f"`{m}`", _fmt(r), *[_fmt(s[m]) for s in kinds.values()],
             *(["yes" if r - best < c.cd else "no"] if cd else [])]
            for i, (m, r) in enumerate(c.avg.items(), start=1)]
    parts = [_test_text(c), _table(header, rows)]
    if c.image:
        parts.append(f"![critical-difference diagram]({c.image})")
    return parts


def _reference_md(search: list[Comparison]) -> list[str]:
    """NAS-Bench-Suite's average ranks beside ours, and whether they agree."""
    ours = {name: archbench for name, archbench in NAS_BENCH_SUITE_NAMES.items()}
    header = ["algorithm (NAS-Bench-Suite)", "ArchBench name", "NAS-Bench-Suite average rank (25 tasks)",
              *[f"ArchBench: {c.name} (N = {c.n}, k = {c.k})" for c in search]]
    rows = []
    for name, rank in NAS_BENCH_SUITE_RANKS.items():
        rows.append([name, f"`{ours[name]}`", f"{rank:.2f}",
                     *[_fmt(c.avg[ours[name]]) if ours[name] in c.avg.index else "absent" for c in search]])
    parts = [_table(header, rows)]
    main = max(search, key=lambda c: (len(set(c.avg.index) & set(ours.values())) >= 2, c.n, c.k), default=None)
    if main is None:
        return parts
    shared = [ours[n] for n in sorted(NAS_BENCH_SUITE_RANKS, key=NAS_BENCH_SUITE_RANKS.get)
              if ours[n] in main.avg.index]
    if len(shared) < 2:
        return parts
    mine = sorted(shared, key=lambda m: (main.avg[m], m))
    agree = mine == shared
    significant = np.isfinite(main.test.p) and main.test.p < main.alpha
    elsewhere = {n: c for n in NAS_BENCH_SUITE_RANKS for c in search if ours[n] in c.avg.index}
    absent = [f"{n} runs on only {elsewhere[n].n} boards (comparison *{elsewhere[n].name}*: average rank "
              f"{elsewhere[n].avg[ours[n]]:.2f} of {elsewhere[n].k})" if n in elsewhere else f"{n} is on no board"
              for n in NAS_BENCH_SUITE_RANKS if ours[n] not in main.avg.index]
    sentence = (
        f"On the {main.n} search boards that carry {', '.join(f'`{m}`' for m in shared)} (comparison "
        f"{main.name}), ArchBench orders them {' < '.join(f'`{m}` ({main.avg[m]:.2f})' for m in mine)}, "
        f"which {'agrees with' if agree else 'differs from'} NAS-Bench-Suite's order of the same algorithms "
        f"({' < '.join(f'`{m}`' for m in shared)}); "
        + ("the Friedman test finds the differences significant" if significant else
           "but the Friedman test does not find the differences significant")
        + f" ({_peq(main.test.p)}). " + ("; ".join(absent) + "." if absent else ""))
    return [*parts, sentence]


def _page(pred: list[Comparison], search: list[Comparison], alpha: float, min_boards: int) -> str:
    parts = [
        "# Cross-benchmark comparison of predictors and search algorithms",
        "Built from the committed boards by `bench.ranking.build_rank_summary` (Demšar 2006). On each board the "
        "methods are ranked (1 = best; ties share the average rank); the table gives each method's average rank "
        "over the boards, the Friedman test (χ² with the correction for ties, and the Iman–Davenport F) of "
        "equal average ranks, and the Nemenyi critical difference CD = q_α √(k(k+1)/(6N)) at "
        f"α = {alpha:g}: two methods whose average ranks differ by less than CD are not significantly different "
        "(joined by a bar in the diagram).",
        "The Friedman test needs every compared method on every board, and boards carry different methods, so "
        "each training size has up to three comparisons (identical ones are merged): **common**, "
        f"{RULE_TEXT['common']}; **majority**, {RULE_TEXT['majority']}; **widest**, "
        f"{RULE_TEXT['widest'].format(min_boards=min_boards)}.",
        "Caveats: the tests treat boards as independent tasks. The latency boards of one space (27 HELP device "
        "settings of NB201 and of FBNet, 12 of OFA) share architectures and splits, so where they dominate a "
        "comparison its p-values are optimistic and its ranks are mostly those of latency prediction; the columns "
        "*on accuracy boards* and *on latency boards* split the same ranks by target kind. A board's score is a "
        "mean over seeds: a difference smaller than the board's interval still decides a rank.",
        "## Predictors",
        "Score: `kendall_tau_mean` on the board's test set (higher is better for every target, latency included). "
        "Where a board holds several configurations of a predictor, the one whose hyperparameters the most boards "
        "carry keeps the plain name (`zero_cost` = `proxy=auto`, chosen on the training data; `xgb` = without "
        "side features) and each other one is a method of its own named by what differs "
        "(`zero_cost[proxy=zc_nwot]`, `xgb[features=onehot+graf+extra]`), so no configuration is picked by its "
        "test score. `blocks.csv` gives every board's score, configuration hash and rank in every comparison.",
    ]
    summary = []
    for c in pred:
        summary.append([str(c.train_size), c.name, str(c.n), str(c.k), f"{_fmt(c.test.chi2)} ({_p(c.test.p)})",
                        f"{_fmt(c.test.f)} ({_p(c.test.p_f)})", _fmt(c.cd),
                        f"`{c.avg.index[0]}` ({_fmt(c.avg.iloc[0])})"])
    parts.append(_table(["n", "comparison", "boards N", "predictors k", "Friedman χ² (p)", "Iman–Davenport F (p)",
                         "CD", "best (average rank)"], summary))
    for size in sorted({c.train_size for c in pred}):
        parts.append(f"### n = {size}")
        for c in (c for c in pred if c.train_size == size):
            parts += _comparison_md(c)
    parts += [
        "## Search algorithms",
        "Score: `final_test_mean`, the test value of the final incumbent (the architecture with the best "
        "selection value found) at the board's largest budget, averaged over the board's seeds; NAS-Bench-Suite "
        "ranks by final performance too, and ranks by final regret are the same (a board has one optimum). A "
        "board is a `search/<family>/<dataset>` folder; where an algorithm has several configurations the best "
        "counts. The `mo` algorithm searches accuracy and latency together (NSGA-II); its incumbent is still the "
        "architecture with the best selection accuracy it evaluated.",
    ]
    if search:
        for c in search:
            parts += _comparison_md(c)
        parts += ["### Against NAS-Bench-Suite", "NAS-Bench-Suite (Mehta et al., ICLR 2022) reports average ranks "
                  "over 25 search tasks with default settings; its ranks are among its own algorithms, ours among "
                  "those each comparison holds, so orders compare, values only roughly.",
                  *_reference_md(search)]
    else:
        parts.append("No search boards found.")
    return "\n\n".join(parts) + "\n"


# -- entry point --------------------------------------------------------------------------------------
def _summary_csv(comparisons: list[Comparison], kind: str) -> str:
    rows = [{**({"train_size": c.train_size} if kind == "predictors" else {}), **r}
            for c in comparisons for r in c.rows()]
    table = pd.DataFrame(rows).rename(columns={"method": "predictor" if kind == "predictors" else "algorithm"})
    if kind == "search" and not table.empty:
        by_name = {v: NAS_BENCH_SUITE_RANKS[k] for k, v in NAS_BENCH_SUITE_NAMES.items()}
        table["nas_bench_suite_rank"] = [by_name.get(m, float("nan")) for m in table["algorithm"]]
    return table.to_csv(index=False, float_format="%.6g", lineterminator="\n")


def build_rank_summary(out_dir: str | os.PathLike[str], boards: list[tuple[Path, pd.DataFrame]] | None = None,
                       search_dir: str | os.PathLike[str] | None = None, alpha: float = 0.05,
                       min_boards: int = 10, min_test_boards: int = 5) -> list[Path]:
    """Write the cross-benchmark rank summary under ``<out_dir>/ranks/`` and return the paths written:
    ``predictors.csv``, ``search.csv`` (one row per method and comparison: average ranks, Friedman,
    Iman–Davenport, Nemenyi q and CD), ``blocks.csv`` (every board's score, configuration and rank in
    every comparison), a critical-difference diagram per tested comparison of 3 or more methods
    (``predictors_n<size>.png`` for a size's first comparison, ``predictors_n<size>_<rule>.png``,
    ``search.png``, ``search_<rule>.png``; older diagrams of these names that were not rewritten are
    removed) and the page ``README.md``.

    ``boards``: the predictor-board CSVs as ``(path, frame)`` pairs if already read (as
    ``bench.leaderboard._board_csvs(out_dir)`` returns them), else read from ``out_dir``.
    ``search_dir``: the search boards (default ``<out_dir>/search``). ``min_boards``: the fewest boards
    the ``widest`` comparison may use; ``min_test_boards``: below this many boards a comparison gets
    average ranks only (no Friedman test, critical difference or diagram).
    """
    from bench.leaderboard import _board_csvs

    out = Path(out_dir)
    folder = out / "ranks"
    long = predictor_scores(_board_csvs(out) if boards is None else boards)
    pred: list[Comparison] = []
    for size in sorted(long["train_size"].unique()):
        g = long[long["train_size"] == size]
        kinds = g.drop_duplicates("block").set_index("block")["board_kind"]
        pred += compare("predictors", int(size), g, kinds, min_boards, alpha, min_test_boards=min_test_boards)
    slong = search_scores(Path(search_dir) if search_dir is not None else out / "search")
    search: list[Comparison] = []
    if not slong.empty:
        kinds = slong.drop_duplicates("block").set_index("block")["board_kind"]
        search = compare("search", None, slong, kinds, min_boards, alpha, min_test_boards=min_test_boards)
        known = {(tuple(c.scores.columns), tuple(c.scores.index)) for c in search}
        reference = slong[slong["method"].isin(NAS_BENCH_SUITE_NAMES.values())]
        for c in compare("search", None, reference, kinds, 2, alpha, ("widest",), min_test_boards):
            if (tuple(c.scores.columns), tuple(c.scores.index)) not in known:
                c.name, c.description = "reference", RULE_TEXT["reference"]
                search.append(c)

    written: list[Path] = []
    for c in pred + search:
        if not (np.isfinite(c.cd) and c.k >= 3):
            continue
        if c.kind == "predictors":
            first = not any(p.image for p in pred if p.train_size == c.train_size)
            c.image = f"predictors_n{c.train_size}" + ("" if first else f"_{c.slug}") + ".png"
            title = f"Predictors, n = {c.train_size}: {c.name}, N = {c.n} boards (Kendall τ)"
        else:
            c.image = "search.png" if not any(s.image for s in search) else f"search_{c.slug}.png"
            title = f"Search algorithms: {c.name}, N = {c.n} boards (final test value)"
        written.append(plot_cd(c.avg, c.cd, folder / c.image, title))
    for old in [*folder.glob("predictors_n*.png"), *folder.glob("search*.png")]:
        if old not in written:
            old.unlink()
    written.append(atomic_write_text(folder / "predictors.csv", _summary_csv(pred, "predictors")))
    written.append(atomic_write_text(folder / "search.csv", _summary_csv(search, "search")))
    blocks = pd.DataFrame([r for c in pred + search for r in c.block_rows()])
    written.append(atomic_write_text(folder / "blocks.csv",
                                     blocks.to_csv(index=False, float_format="%.6g", lineterminator="\n")))
    written.append(atomic_write_text(folder / "README.md", _page(pred, search, alpha, min_boards)))
    return written


if __name__ == "__main__":  # python -m bench.ranking [LEADERBOARDS_DIR]
    import sys

    for p in build_rank_summary(sys.argv[1] if len(sys.argv) > 1 else "leaderboards"):
        print(p)
