"""Predictor leaderboards: stored result rows -> per (benchmark, target) CSV, Markdown and PNG.

A board row summarizes one (predictor, config hash, training-set size) over its seeds. Every metric
is recomputed from the stored predictions with the current metric code (:mod:`bench.metrics`), and
its interval is a paired bootstrap over test architectures with the seeds' spread included
(:mod:`bench.intervals`): the mean, the 95 % percentile interval (``_lo``, ``_hi``) and its
half-width (``_ci95``). Paired tests of Kendall tau against the ``random`` baseline and against the
size's best predictor (Holm-corrected) use the same resamples. Everything is computed from the stored
results only, in a fixed order with seeded resamples, so building twice gives the same files.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.atomic import atomic_path, atomic_write_text
from bench.errors import UsageError
from bench.intervals import N_BOOT, Interval, holm, interval, paired_pvalue, resample_weights
from bench.join import JOIN_SEPARATOR
from bench.metrics import (
    ALL_METRICS,
    METRIC_RANGES,
    METRICS_VERSION,
    RANKING_METRICS,
    TOP_FRACTIONS,
    Resamples,
    mean_ci95,
)

#: the baseline every predictor is tested against
BASELINE = "random"
#: per-seed timings summarized with a t-interval (not test-set quantities)
TIMINGS = ("fit_seconds", "predict_seconds")
#: metrics of the paired test split (``test_metric_*``) that get bootstrap intervals; the pages show only tau,
#: the others keep the seeds' t-interval (resampling them too doubled a valid_acc board's build time)
TWIN_RESAMPLED = ("kendall_tau",)
#: a predictor is "as good as the best" at a size when its Holm-adjusted p against the best is at least this
ALPHA = 0.05
GROUP = ["benchmark", "target", "predictor", "config_hash", "train_size"]


def _baseline_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of the ``random`` baseline; its configuration with the most rows where there are several."""
    base = rows[rows["predictor"] == BASELINE]
    if base.empty:
        return base
    counts = base.groupby("config_hash").size().reset_index(name="n").sort_values(["n", "config_hash"],
                                                                                   ascending=[False, True])
    return base[base["config_hash"] == counts["config_hash"].iloc[0]]


def _digest(values: list[str]) -> str:
    return hashlib.sha256("\n".join(values).encode()).hexdigest()[:16]


@dataclass
class _Scores:
    """One cell's per-seed point values and bootstrap replicates, metric by metric."""

    seeds: list[int]
    point: dict[str, np.ndarray]
    reps: dict[str, np.ndarray]

    def paired(self, other: _Scores, metric: str) -> tuple[np.ndarray, ...]:
        common = [s for s in self.seeds if s in other.seeds]
        a = [self.seeds.index(s) for s in common]
        b = [other.seeds.index(s) for s in common]
        return (self.point[metric][a], self.reps[metric][a], other.point[metric][b], other.reps[metric][b])


def _score_board(board_rows: pd.DataFrame, store: Any, n_boot: int, key: str) -> tuple[list[dict], dict]:
    """Per row, every metric recomputed on the test set (point) and on ``n_boot`` shared resamples."""
    hib = bool(board_rows["higher_is_better"].iloc[0])
    arrays = [store.predictions(r) for _, r in board_rows.iterrows()]
    test_ids = arrays[0]["test_ids"]
    for a, unit in zip(arrays, board_rows["unit"], strict=True):
        if not np.array_equal(a["test_ids"], test_ids):
            raise UsageError(f"{unit}: its test set differs from the board's other rows; re-run it")
    y = np.asarray(arrays[0]["y_true"], dtype=np.float64)
    weights = resample_weights(y.size, n_boot, key)
    sets = {"": (Resamples(y, hib), Resamples(y, hib, weights), None)}
    twin = board_rows["test_metric"].dropna() if "test_metric" in board_rows.columns else pd.Series(dtype=object)
    if not twin.empty and f"y_{twin.iloc[0]}" in arrays[0]:
        y_twin = np.asarray(arrays[0][f"y_{twin.iloc[0]}"], dtype=np.float64)
        ok = np.isfinite(y_twin)
        twin_hib = bool(board_rows["test_metric_higher_is_better"].dropna().iloc[0]) \
            if "test_metric_higher_is_better" in board_rows.columns else hib
        sets["test_metric_"] = (Resamples(y_twin[ok], twin_hib), Resamples(y_twin[ok], twin_hib, weights[:, ok]), ok)
    scores = []
    for a in arrays:
        point, reps = {}, {}
        for prefix, (exact, boot, ok) in sets.items():
            y_pred = np.asarray(a["y_pred"], dtype=np.float64)
            y_pred = y_pred if ok is None else y_pred[ok]
            metrics = ALL_METRICS if not prefix else RANKING_METRICS
            point.update({prefix + m: float(v[0]) for m, v in exact.score(y_pred, metrics).items()})
            resampled = metrics if not prefix else TWIN_RESAMPLED
            reps.update({prefix + m: v for m, v in boot.score(y_pred, resampled).items()})
        scores.append((point, reps))
    exact = sets[""][0]
    chance = {f"{m}_chance": float(exact.precision_chance(f)[0]) for m, f in TOP_FRACTIONS.items()}
    return scores, chance


def summarize(rows: pd.DataFrame, store: Any, n_boot: int = N_BOOT, progress: bool = False) -> pd.DataFrame:
    """One line per (benchmark, target, predictor, config hash, train size), ranked within each size.

    ``store`` (a :class:`bench.evaluation.ResultStore`) gives each row's predictions: metrics and their
    intervals are recomputed from them (``n_boot`` bootstrap resamples of the test set per board).
    """
    if rows.empty:
        raise UsageError("no result rows to summarize")
    rows = rows.sort_values([*GROUP, "seed"], kind="stable").reset_index(drop=True)
    out = []
    boards = list(rows.groupby(["benchmark", "target"], sort=True))
    for i, ((benchmark, target), board_rows) in enumerate(boards):
        if progress:
            print(f"  board {i + 1}/{len(boards)}: {benchmark} {target} ({len(board_rows)} rows)", file=sys.stderr)
        tests = sorted(set(board_rows["test_hash"]))
        key = f"{benchmark}|{target}|{','.join(tests)}"
        scored, chance = _score_board(board_rows, store, n_boot, key)
        board_rows = board_rows.assign(_i=range(len(board_rows)))
        names = [m for m in scored[0][0]]
        cells: dict[tuple, _Scores] = {}
        lines: list[dict[str, object]] = []
        for cell_key, g in board_rows.groupby(GROUP[2:], sort=True):
            predictor, config_hash, train_size = cell_key
            idx = list(g["_i"])
            sc = _Scores([int(s) for s in g["seed"]],
                         {m: np.array([scored[j][0][m] for j in idx]) for m in names},
                         {m: np.stack([scored[j][1][m] for j in idx]) for m in scored[0][1]})
            cells[cell_key] = sc
            line: dict[str, object] = {"benchmark": benchmark, "target": target, "predictor": predictor,
                                       "config_hash": config_hash, "train_size": int(train_size),
                                       "n_seeds": len(g), "seeds": ",".join(str(s) for s in sc.seeds)}
            for m in names:
                if m in sc.reps:
                    iv = interval(sc.point[m], sc.reps[m], f"{key}|{m}", METRIC_RANGES[m.removeprefix("test_metric_")])
                else:  # a twin metric shown without interval on the pages: the seeds' t-interval
                    mean, half = mean_ci95(sc.point[m])
                    iv = Interval(mean, mean - half, mean + half)
                line[f"{m}_mean"], line[f"{m}_ci95"] = iv.mean, iv.half_width
                line[f"{m}_lo"], line[f"{m}_hi"] = iv.lo, iv.hi
            for m in TIMINGS:
                line[f"{m}_mean"], line[f"{m}_ci95"] = mean_ci95(g[m].to_numpy(float))
            line.update(chance)
            if "test_metric_kendall_tau" in names:
                line["test_metric"] = g["test_metric"].dropna().iloc[0]
            line["params"] = json.dumps(g["params"].iloc[0], sort_keys=True, default=str)
            line["n_train_mean"] = float(g["n_train"].mean())
            line["n_test"] = int(g["n_test"].iloc[0])
            line["test_hash"] = ",".join(sorted(set(g["test_hash"])))
            line["split_hashes"] = _digest(list(g["split_hash"]))
            line["target_description"] = g["target_description"].iloc[0]
            line["higher_is_better"] = bool(g["higher_is_better"].iloc[0])
            line["archbench_version"] = ",".join(sorted({str(v.get("archbench")) for v in g["versions"]}))
            revisions = {str(v.get("archbench_git") or "unrecorded") for v in g["versions"]}
            line["code_revision"] = ",".join(sorted(revisions))
            line["n_boot"] = n_boot
            line["metrics_version"] = METRICS_VERSION  # every metric above is recomputed with this code
            lines.append(line)
        _paired_tests(lines, cells, _baseline_rows(board_rows), key)
        out.extend(lines)
    board = pd.DataFrame(out)
    board["rank"] = (board.sort_values(["kendall_tau_mean", "predictor", "config_hash"], ascending=[False, True, True])
                     .groupby(["benchmark", "target", "train_size"]).cumcount() + 1)
    board = board.sort_values(["benchmark", "target", "train_size", "rank"], kind="stable").reset_index(drop=True)
    first = ["benchmark", "target", "predictor", "train_size", "rank", "n_seeds", "kendall_tau_mean",
             "kendall_tau_ci95", "kendall_tau_lo", "kendall_tau_hi", "spearman_mean", "precision_top5_mean",
             "ri_mean", "fit_seconds_mean", "p_vs_random", "p_vs_best_holm", "as_good_as_best"]
    return board[first + [c for c in board.columns if c not in first]]


def _paired_tests(lines: list[dict], cells: dict[tuple, _Scores], base: pd.DataFrame, key: str) -> None:
    """Kendall tau of each line against ``random`` and, Holm-corrected per size, against the size's best."""
    base_hash = base["config_hash"].iloc[0] if not base.empty else None
    by_size: dict[int, list[dict]] = {}
    for line in lines:
        by_size.setdefault(int(line["train_size"]), []).append(line)
        cell = cells[(line["predictor"], line["config_hash"], line["train_size"])]
        ref = cells.get((BASELINE, base_hash, line["train_size"]))
        is_base = line["predictor"] == BASELINE
        line["p_vs_random"] = float("nan") if is_base or ref is None else \
            paired_pvalue(*cell.paired(ref, "kendall_tau"), key=f"{key}|vs-random")
    for group in by_size.values():
        best = max(group, key=lambda ln: (np.nan_to_num(ln["kendall_tau_mean"], nan=-np.inf), ln["predictor"]))
        best_cell = cells[(best["predictor"], best["config_hash"], best["train_size"])]
        raw = [float("nan") if ln is best else
               paired_pvalue(*cells[(ln["predictor"], ln["config_hash"], ln["train_size"])].paired(
                   best_cell, "kendall_tau"), key=f"{key}|vs-best") for ln in group]
        adjusted = holm(raw)
        for ln, p, q in zip(group, raw, adjusted, strict=True):
            ln["best_predictor"] = best["predictor"]
            ln["p_vs_best"], ln["p_vs_best_holm"] = p, q
            ln["as_good_as_best"] = bool(ln is best or not (q < ALPHA))


# -- rendering ----------------------------------------------------------------------------------------
def _labels(board: pd.DataFrame) -> pd.Series:
    """Display name per line: the predictor, plus the hyperparameters that tell its configs apart
    where a board holds several (``zero_cost[proxy=synflow]``); the config hash if params are absent."""
    labels = board["predictor"].copy()
    for predictor, g in board.groupby("predictor"):
        if g["config_hash"].nunique() == 1:
            continue
        params = {h: json.loads(p) for h, p in zip(g["config_hash"], g.get("params", [None] * len(g)), strict=True)
                  if isinstance(p, str)}
        keys = sorted({k for p in params.values() for k in p})
        differ = [k for k in keys if len({json.dumps(p.get(k), sort_keys=True) for p in params.values()}) > 1]
        for i, h in zip(g.index, g["config_hash"], strict=True):
            if h in params and differ:
                shown = ",".join(f"{k}={params[h].get(k)}" for k in differ)
                labels[i] = f"{predictor}[{shown}]"
            else:
                labels[i] = f"{predictor}@{h[:6]}"
    return labels


def _fmt(value: float, digits: int = 3) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _pm(mean: float, ci: float, digits: int = 3) -> str:
    return _fmt(mean, digits) + ("" if not np.isfinite(ci) else f" ± {ci:.{digits}f}")


def _pvalue(p: float) -> str:
    if not np.isfinite(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _span(r: Any, metric: str, digits: int) -> str:
    """``mean [lo, hi]`` for a metric whose interval may be skewed; the mean alone without one."""
    mean, lo, hi = (getattr(r, f"{metric}_{s}", float("nan")) for s in ("mean", "lo", "hi"))
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return _fmt(mean, digits)
    return f"{_fmt(mean, digits)} [{_fmt(lo, digits)}, {_fmt(hi, digits)}]"


def _tied(r: Any) -> bool:
    value = getattr(r, "as_good_as_best", False)
    return bool(value) and str(value) != "nan"


def _bold(text: str, on: bool) -> str:
    return f"**{text}**" if on else text


def _first(board: pd.DataFrame, column: str) -> float:
    return float(board[column].iloc[0]) if column in board.columns else float("nan")


def _n_boot(board: pd.DataFrame) -> str:
    return str(int(board["n_boot"].max())) if "n_boot" in board.columns else "–"


def _method_note(board: pd.DataFrame) -> str:
    """How the board's numbers were computed, by the metrics version its CSV was built with."""
    if "metrics_version" not in board.columns:  # built before metrics version 2: say what it really holds
        return (f"Metrics version 1 (ties in the predictions broken by the lowest id). ± is the 95 % t-interval over "
                f"seeds; p: paired t-test of Kendall tau against `{BASELINE}` over the same seeds.")
    return ("Intervals include test-set sampling: a paired bootstrap over "
            f"test architectures ({_n_boot(board)} resamples) with the seeds' spread, 95 % percentile interval; "
            "± is its half-width, [lo, hi] where it is skewed. Selection metrics (P@k, RI, regret) take the "
            "expectation over architectures tied on the prediction; by chance P@5% scores "
            f"{_fmt(_first(board, 'precision_top5_chance'))} and P@1% {_fmt(_first(board, 'precision_top1_chance'))} "
            "on this test set. p: paired bootstrap test of Kendall tau against "
            f"`{BASELINE}`; vs best: against the size's best predictor, Holm-corrected over the size's predictors "
            "(**bold** where not significantly worse at 5 %).")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def board_blocks(board: pd.DataFrame, image: str | None = None) -> list[tuple]:
    """A board (one benchmark and target) as render-neutral blocks: ``("h1"|"h2"|"p", text)``,
    ``("table", header, rows)``, ``("img", path)``; tau by size, then every metric at the largest size."""
    board = board.assign(label=_labels(board))
    benchmark, target = board["benchmark"].iloc[0], board["target"].iloc[0]
    hib = bool(board["higher_is_better"].iloc[0])
    sizes = sorted(board["train_size"].unique())
    largest = board[board["train_size"] == sizes[-1]].sort_values("rank")
    seeds = sorted(set(board["n_seeds"]))
    tests = ",".join(sorted(set(board["test_hash"])))
    blocks: list[tuple] = [
        ("h1", f"{benchmark} · {target}"),
        ("p", f"Target `{target}`: {board['target_description'].iloc[0]}. Test set: {int(board['n_test'].iloc[0])} "
              f"architectures (test hash `{tests[:16]}`), seeds per cell: {'/'.join(map(str, seeds))}. Frozen splits "
              "and metrics: `datasets/PROTOCOL.md`. " + _method_note(board)),
        ("h2", "Kendall tau by training-set size"),
    ]
    order = list(largest["label"]) + sorted(set(board["label"]) - set(largest["label"]))
    cells = {(r.label, r.train_size): _bold(_pm(r.kendall_tau_mean, r.kendall_tau_ci95), _tied(r))
             for r in board.itertuples()}
    blocks.append(("table", ["predictor", *[f"n={s}" for s in sizes]],
                   [[lab, *[cells.get((lab, s), "") for s in sizes]] for lab in order]))
    spans = "ri_lo" in board.columns
    header = ["rank", "predictor", "Kendall τ", "Spearman", "P@5%", "P@1%", "RI % [95 % CI]" if spans else "RI %",
              "regret [95 % CI]" if spans else "regret", "MAE"]
    if not hib:
        header.append("±10 %")
    header += ["fit s", "predict s", "p vs random"]
    if "p_vs_best_holm" in board.columns:
        header.append("p vs best (Holm)")
    has_twin = "test_metric" in largest.columns and largest["test_metric"].notna().any()
    if has_twin:
        header.append(f"τ on {largest['test_metric'].dropna().iloc[0]}")
    rows = []
    for r in largest.itertuples():
        row = [str(r.rank), r.label, _bold(_pm(r.kendall_tau_mean, r.kendall_tau_ci95), _tied(r)),
               _fmt(r.spearman_mean), _fmt(r.precision_top5_mean), _fmt(r.precision_top1_mean),
               _span(r, "ri", 2), _span(r, "regret", 4), _fmt(r.mae_mean, 4)]
        if not hib:
            row.append(_fmt(r.within_10pct_mean))
        row += [_fmt(r.fit_seconds_mean, 2), _fmt(r.predict_seconds_mean, 2), _pvalue(r.p_vs_random)]
        if "p_vs_best_holm" in board.columns:
            row.append(_pvalue(r.p_vs_best_holm))
        if has_twin:
            row.append(_fmt(getattr(r, "test_metric_kendall_tau_mean", float("nan"))))
        rows.append(row)
    blocks += [("h2", f"All metrics at n = {sizes[-1]}"), ("table", header, rows)]
    if image:
        blocks.append(("img", image))
    return blocks


def render_markdown(blocks: list[tuple]) -> str:
    parts = []
    for kind, *content in blocks:
        if kind == "table":
            parts.append(_table(*content))
        elif kind == "img":
            parts.append(f"![Kendall tau vs training-set size]({content[0]})")
        else:
            parts.append({"h1": "# ", "h2": "## ", "p": ""}[kind] + content[0])
    return "\n\n".join(parts) + "\n"


def board_markdown(board: pd.DataFrame, image: str | None = None) -> str:
    """A board (one benchmark and target) as Markdown: tau by size, then every metric at the largest size."""
    return render_markdown(board_blocks(board, image))


#: the second panel: (metric, axis label) by target direction; both are fractions in the CSV, drawn in %
SECOND_PANEL = {True: ("precision_top5", "precision@5 % (%): share of the true top 5 % found"),
                False: ("within_10pct", "architectures predicted within ±10 % (%)")}


def board_figure(board: pd.DataFrame) -> Any:
    """Kendall tau and P@5 % (or ±10 %, in %) vs training-set size, log x, 95 % bands; random dashed;
    one legend right of both panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bench.plotstyle import legend_outside, series_styles

    board = board.assign(label=_labels(board))
    hib = bool(board["higher_is_better"].iloc[0])
    second, second_label = SECOND_PANEL[hib]
    labels = sorted(set(board["label"]), key=lambda s: (s != BASELINE, s))
    styles = series_styles(labels, BASELINE)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
    for lab in labels:
        g = board[board["label"] == lab].sort_values("train_size")
        x = g["train_size"].to_numpy(float)
        for ax, metric, scale in zip(axes, ("kendall_tau", second), (1.0, 100.0), strict=True):
            mean = g[f"{metric}_mean"].to_numpy(float)
            if f"{metric}_lo" in g.columns:
                lo, hi = g[f"{metric}_lo"].to_numpy(float), g[f"{metric}_hi"].to_numpy(float)
            else:
                ci = np.nan_to_num(g[f"{metric}_ci95"].to_numpy(float))
                lo, hi = mean - ci, mean + ci
            ax.plot(x, scale * mean, markersize=4, label=lab, **styles[lab])
            ax.fill_between(x, scale * np.where(np.isfinite(lo), lo, mean), scale * np.where(np.isfinite(hi), hi, mean),
                            alpha=0.12, color=styles[lab]["color"], linewidth=0)
    chance = f"{second}_chance" if hib else None
    if chance and chance in board.columns:
        axes[1].axhline(100 * float(board[chance].iloc[0]), color="grey", linestyle=":", linewidth=1,
                        label="chance level")
    sizes = sorted(board["train_size"].unique())
    for ax, title in zip(axes, ("Kendall τ", second_label), strict=True):
        ax.set_xscale("log")
        ax.set_xticks(sizes, [str(s) for s in sizes], fontsize=8)
        ax.minorticks_off()
        ax.set_xlabel("training-set size")
        ax.set_ylabel(title)
        ax.grid(True, which="both", alpha=0.3)
    handles, names = axes[0].get_legend_handles_labels()
    extra = [(h, n) for h, n in zip(*axes[1].get_legend_handles_labels(), strict=True) if n == "chance level"]
    legend_outside(fig, handles + [h for h, _ in extra], names + [n for _, n in extra])
    fig.suptitle(f"{board['benchmark'].iloc[0]} · {board['target'].iloc[0]} (mean, 95 % bootstrap interval)")
    return fig


def plot_board(board: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """The board's figure (:func:`board_figure`) as a PNG."""
    import matplotlib.pyplot as plt

    fig = board_figure(board)
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path


# -- building the board files -------------------------------------------------------------------------
@dataclass
class Board:
    benchmark: str
    target: str
    csv: Path
    markdown: Path
    png: Path
    text: str


def board_folder(out_dir: str | os.PathLike[str], benchmark: str) -> Path:
    """``<out>/<family>/<dataset>``; a joined benchmark's board sits beside its first table's, named
    ``<dataset>+<family>-<dataset>...`` (one folder level, so the site sees one family and dataset)."""
    first, *others = benchmark.split(JOIN_SEPARATOR)
    folder = Path(out_dir, *first.split("/"))
    return folder.with_name(JOIN_SEPARATOR.join([folder.name, *(o.replace("/", "-") for o in others)]))


def write_board(board: pd.DataFrame, out_dir: str | os.PathLike[str]) -> Board:
    """The board's CSV, then its Markdown, HTML and plot rendered from that CSV (so every file agrees
    with the CSV to the digit it shows)."""
    benchmark, target = board["benchmark"].iloc[0], board["target"].iloc[0]
    folder = board_folder(out_dir, str(benchmark))
    csv, md, png = (folder / f"{target}{ext}" for ext in (".csv", ".md", ".png"))
    with atomic_path(csv) as tmp:
        board.to_csv(tmp, index=False, float_format="%.6g", lineterminator="\n")
    stored = pd.read_csv(csv)
    text = render_board_pages(csv, stored)
    plot_board(stored, png)
    return Board(str(benchmark), str(target), csv, md, png, text)


def render_board_pages(csv: Path, board: pd.DataFrame) -> str:
    """Write ``<target>.md`` beside a board CSV (``board``, as read from it) and return it; its HTML page
    is part of the site (:mod:`bench.site`)."""
    text = render_markdown(board_blocks(board, image=csv.with_suffix(".png").name))
    atomic_write_text(csv.with_suffix(".md"), text)
    return text


#: the columns the pages read: a CSV without them (a search summary, a file of one's own) is not a board
BOARD_COLUMNS = frozenset({
    "benchmark", "target", "predictor", "config_hash", "train_size", "rank", "n_seeds", "n_test", "test_hash",
    "target_description", "higher_is_better", "p_vs_random",
    *(f"{m}_{stat}" for m in ("kendall_tau", "spearman", "precision_top5", "precision_top1", "ri", "regret", "mae",
                              "within_10pct", "fit_seconds", "predict_seconds") for stat in ("mean", "ci95")),
})


def _board_csvs(out_dir: Path) -> list[tuple[Path, pd.DataFrame]]:
    """Every predictor-board CSV under ``out_dir``; other CSVs are left alone."""
    found = []
    for csv in sorted(out_dir.rglob("*.csv")):
        try:
            s = pd.read_csv(csv)
        except pd.errors.EmptyDataError:  # e.g. a summary of no comparisons: not a board
            continue
        if not s.empty and BOARD_COLUMNS <= set(s.columns):
            found.append((csv, s))
    return found


def index_blocks(out_dir: str | os.PathLike[str], page: str = ".md",
                 boards: list[tuple[Path, pd.DataFrame]] | None = None) -> list[tuple]:
    """The index of every board CSV under ``out_dir`` (so boards built separately all appear), its
    links pointing at each board's ``page`` (``.md`` or ``.html``); ``boards``: the CSVs, if already read."""
    out_dir = Path(out_dir)
    rows = []
    revisions: set[str] = set()
    for csv, s in _board_csvs(out_dir) if boards is None else boards:
        s = s.assign(label=_labels(s))
        largest = s[s["train_size"] == s["train_size"].max()]
        top = largest.sort_values("rank").iloc[0]
        within = "–"
        if not bool(top["higher_is_better"]) and "within_10pct_mean" in s.columns:
            best = largest.sort_values(["within_10pct_mean", "label"], ascending=[False, True]).iloc[0]
            within = f"{best['label']} ({_fmt(best['within_10pct_mean'])})"
        for cell in s["code_revision"].astype(str) if "code_revision" in s.columns else ["unrecorded"]:
            revisions.update(cell.split(","))
        rel = csv.with_suffix(page).relative_to(out_dir).as_posix()
        rows.append([f"[{top['benchmark']}]({rel})", f"`{top['target']}`", str(s["label"].nunique()),
                     ",".join(map(str, sorted(s["train_size"].unique()))), str(int(s["n_seeds"].max())),
                     f"{top['label']} (n={int(top['train_size'])}, τ={_fmt(top['kendall_tau_mean'])})", within])
    intro = ("Built by `archbench leaderboard build` from stored results; protocol: `datasets/PROTOCOL.md`. Each "
             "board has a CSV (every metric: mean over seeds and 95 % interval, split hashes and the code revision of "
             "its rows), a Markdown table, the same as an HTML page, and a plot. "
             f"Code revision(s) of these rows: {', '.join(f'`{r}`' for r in sorted(revisions))}."
             + (" How they were computed: [PROVENANCE.md](PROVENANCE.md)." if (out_dir / "PROVENANCE.md").is_file()
                else "")
             + (" Predictors and search algorithms compared across boards (average ranks, Friedman test, "
                "critical-difference diagrams): [ranks/README.md](ranks/README.md)."
                if (out_dir / "ranks" / "README.md").is_file() else ""))
    return [("h1", "ArchBench predictor leaderboards"), ("p", intro),
            ("table", ["benchmark", "target", "predictors", "training sizes", "seeds", "best τ at largest size",
                       "best within ±10 % at largest size"], rows)]


def family_lines(boards: list[pd.DataFrame]) -> list[str]:
    """One line per family (a benchmark name's first part): how many boards and which predictor is best
    (rank 1 at the board's largest training-set size) how often."""
    families: dict[str, list[str]] = {}
    for board in boards:
        labelled = board.assign(label=_labels(board))
        largest = labelled[labelled["train_size"] == labelled["train_size"].max()]
        best = str(largest.sort_values("rank")["label"].iloc[0])
        families.setdefault(str(board["benchmark"].iloc[0]).split("/")[0], []).append(best)
    lines = []
    for family, best in sorted(families.items()):
        counts = pd.Series(best).value_counts()
        counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        lines.append(f"{family}: {len(best)} board(s); best τ at the largest size: "
                     + ", ".join(f"{name} ×{n}" for name, n in counts.items()))
    return lines


def index_markdown(out_dir: str | os.PathLike[str]) -> str:
    """The index of every board under ``out_dir`` as Markdown (``README.md``)."""
    return render_markdown(index_blocks(out_dir))


def build_leaderboards(
    results_dir: str | os.PathLike[str] = "results",
    out_dir: str | os.PathLike[str] = "leaderboards",
    benchmarks: list[str] | None = None,
    n_boot: int = N_BOOT,
    progress: bool = False,
    cards_dir: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    targets: list[str] | None = None,
) -> list[Board]:
    """Write every board found in ``results_dir`` (optionally only some benchmarks and targets, so boards
    whose units are complete can be built while others still run), re-render the pages
    of boards already under ``out_dir``, and write the index (``README.md``) and the site (``index.html``)."""
    from bench.evaluation import ResultStore

    store = ResultStore(results_dir)
    rows = store.frame()
    if rows.empty:
        raise UsageError(f"no results in {results_dir}; run `archbench evaluate` first "
                         "(or `archbench leaderboard build --from-csv` to render the boards already there)")
    if benchmarks:
        unknown = sorted(set(benchmarks) - set(rows["benchmark"]))
        if unknown:
            raise UsageError(f"no results for {', '.join(unknown)} in {results_dir}")
        rows = rows[rows["benchmark"].isin(benchmarks)]
    if targets:
        unknown = sorted(set(targets) - set(rows["target"]))
        if unknown:
            raise UsageError(f"no results for target(s) {', '.join(unknown)} in {results_dir}"
                             + (f" for {', '.join(benchmarks)}" if benchmarks else ""))
        rows = rows[rows["target"].isin(targets)]
    out = Path(out_dir)
    summary = summarize(rows, store, n_boot, progress=progress)
    boards = [write_board(board.reset_index(drop=True), out)
              for _, board in summary.groupby(["benchmark", "target"], sort=True)]
    render_leaderboards(out, built={b.csv for b in boards}, cards_dir=cards_dir, data_dir=data_dir)
    return boards


def render_leaderboards(out_dir: str | os.PathLike[str], built: set[Path] | None = None, plots: bool = False,
                        cards_dir: str | os.PathLike[str] | None = None,
                        data_dir: str | os.PathLike[str] | None = None) -> list[tuple[Path, pd.DataFrame]]:
    """Render everything from the board CSVs under ``out_dir``, without stored results: each board's
    Markdown (and plot, with ``plots``) unless it is in ``built`` (just written), the rank summary, the
    Markdown index and the HTML site. Returns the boards read, as ``(csv, frame)``."""
    from bench.ranking import build_rank_summary
    from bench.site import build_site

    out = Path(out_dir)
    found = _board_csvs(out)  # every board under out, read once
    if not found:
        raise UsageError(f"no board CSVs under {out}; build boards from results first")
    for csv, board in found:  # boards built earlier: their pages follow this renderer too
        if csv not in (built or set()):
            render_board_pages(csv, board)
            if plots:
                plot_board(board, csv.with_suffix(".png"))
    build_rank_summary(out, boards=found)  # average ranks over boards, Friedman test, CD diagrams
    atomic_write_text(out / "README.md", render_markdown(index_blocks(out, boards=found)))
    build_site(out, boards=found, cards_dir=cards_dir, data_dir=data_dir)
    return found
