"""Predictor leaderboards: stored result rows -> per (benchmark, target) CSV, Markdown and PNG.

A board row summarizes one (predictor, config hash, training-set size) over its seeds: mean and
95 % t-interval half-width of every metric, and paired tests (same seeds, so same splits) of its
Kendall tau against the ``random`` baseline. Everything is computed from the stored rows only, in a
fixed order, so building twice from the same results gives the same files.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bench.atomic import atomic_path, atomic_write_text
from bench.errors import UsageError
from bench.metrics import ALL_METRICS, RANKING_METRICS, mean_ci95, paired_pvalue

#: the baseline every predictor is tested against
BASELINE = "random"
#: per-seed values summarized on a board (mean and ci95 each)
SUMMARIZED = (*ALL_METRICS, "fit_seconds", "predict_seconds")
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


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """One line per (benchmark, target, predictor, config hash, train size), ranked within each size."""
    if rows.empty:
        raise UsageError("no result rows to summarize")
    rows = rows.sort_values([*GROUP, "seed"], kind="stable").reset_index(drop=True)
    twins = [f"test_metric_{m}" for m in RANKING_METRICS if f"test_metric_{m}" in rows.columns]
    out = []
    for (benchmark, target), board_rows in rows.groupby(["benchmark", "target"], sort=True):
        base = _baseline_rows(board_rows)
        for key, g in board_rows.groupby(GROUP[2:], sort=True):
            predictor, config_hash, train_size = key
            line: dict[str, object] = {"benchmark": benchmark, "target": target, "predictor": predictor,
                                       "config_hash": config_hash, "train_size": int(train_size),
                                       "n_seeds": len(g), "seeds": ",".join(str(int(s)) for s in g["seed"])}
            for m in SUMMARIZED:
                line[f"{m}_mean"], line[f"{m}_ci95"] = mean_ci95(g[m].to_numpy(float))
            b = base[base["train_size"] == train_size].set_index("seed")["kendall_tau"]
            common = [s for s in g["seed"] if s in b.index]
            if predictor == BASELINE or len(common) < 2:
                line["p_vs_random"] = line["p_vs_random_wilcoxon"] = float("nan")
            else:
                mine = g.set_index("seed").loc[common, "kendall_tau"].to_numpy(float)
                theirs = b.loc[common].to_numpy(float)
                line["p_vs_random"] = paired_pvalue(mine, theirs, "t")
                line["p_vs_random_wilcoxon"] = paired_pvalue(mine, theirs, "wilcoxon")
            if twins and g["test_metric"].notna().any():
                line["test_metric"] = g["test_metric"].dropna().iloc[0]
                for c in twins:
                    line[f"{c}_mean"], line[f"{c}_ci95"] = mean_ci95(g[c].to_numpy(float))
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
            out.append(line)
    board = pd.DataFrame(out)
    board["rank"] = (board.sort_values(["kendall_tau_mean", "predictor", "config_hash"], ascending=[False, True, True])
                     .groupby(["benchmark", "target", "train_size"]).cumcount() + 1)
    board = board.sort_values(["benchmark", "target", "train_size", "rank"], kind="stable").reset_index(drop=True)
    first = ["benchmark", "target", "predictor", "train_size", "rank", "n_seeds", "kendall_tau_mean",
             "kendall_tau_ci95", "spearman_mean", "precision_top5_mean", "ri_mean", "fit_seconds_mean", "p_vs_random"]
    return board[first + [c for c in board.columns if c not in first]]


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
              "and metrics: `datasets/PROTOCOL.md`. ± is the 95 % t-interval over seeds; p: paired t-test of "
              f"Kendall tau against `{BASELINE}` over the same seeds."),
        ("h2", "Kendall tau by training-set size"),
    ]
    order = list(largest["label"]) + sorted(set(board["label"]) - set(largest["label"]))
    cells = {(r.label, r.train_size): _pm(r.kendall_tau_mean, r.kendall_tau_ci95) for r in board.itertuples()}
    blocks.append(("table", ["predictor", *[f"n={s}" for s in sizes]],
                   [[lab, *[cells.get((lab, s), "") for s in sizes]] for lab in order]))
    header = ["rank", "predictor", "Kendall τ", "Spearman", "P@5%", "P@1%", "RI %", "regret", "MAE"]
    if not hib:
        header.append("±10 %")
    header += ["fit s", "predict s", "p vs random"]
    has_twin = "test_metric" in largest.columns and largest["test_metric"].notna().any()
    if has_twin:
        header.append(f"τ on {largest['test_metric'].dropna().iloc[0]}")
    rows = []
    for r in largest.itertuples():
        row = [str(r.rank), r.label, _pm(r.kendall_tau_mean, r.kendall_tau_ci95), _fmt(r.spearman_mean),
               _fmt(r.precision_top5_mean), _fmt(r.precision_top1_mean), _fmt(r.ri_mean, 2), _fmt(r.regret_mean, 4),
               _fmt(r.mae_mean, 4)]
        if not hib:
            row.append(_fmt(r.within_10pct_mean))
        row += [_fmt(r.fit_seconds_mean, 2), _fmt(r.predict_seconds_mean, 2), _pvalue(r.p_vs_random)]
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


_HTML_STYLE = ("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:78em;padding:0 1em;color:#222}"
               "table{border-collapse:collapse;margin:1em 0;font-size:.9em}"
               "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}"
               "th:first-child,td:first-child,td:nth-child(2){text-align:left}th{background:#f3f3f3}"
               "tr:nth-child(even) td{background:#fafafa}img{max-width:100%}code{background:#f3f3f3;padding:0 .2em}")


def _inline_html(text: str) -> str:
    """Escaped text with Markdown's inline code and links (the only inline markup boards use) as HTML."""
    out = html.escape(str(text), quote=False)
    out = re.sub(r"`([^`]*)`", r"<code>\1</code>", out)
    return re.sub(r"\[([^\]]*)\]\(([^)]*)\)", r'<a href="\2">\1</a>', out)


def render_html(blocks: list[tuple]) -> str:
    """A self-contained HTML page (inline style, no scripts) of the same blocks as the Markdown."""
    title = next((c[0] for k, *c in blocks if k == "h1"), "ArchBench leaderboards")
    body = []
    for kind, *content in blocks:
        if kind == "table":
            header, rows = content
            head = "".join(f"<th>{_inline_html(h)}</th>" for h in header)
            lines = "".join("<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in r) + "</tr>" for r in rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>")
        elif kind == "img":
            body.append(f'<img src="{html.escape(content[0])}" alt="Kendall tau vs training-set size">')
        else:
            body.append(f"<{kind}>{_inline_html(content[0])}</{kind}>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_HTML_STYLE}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def board_markdown(board: pd.DataFrame, image: str | None = None) -> str:
    """A board (one benchmark and target) as Markdown: tau by size, then every metric at the largest size."""
    return render_markdown(board_blocks(board, image))


def plot_board(board: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Kendall tau (and P@5 % or ±10 %) vs training-set size, log x, 95 % bands; random dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    board = board.assign(label=_labels(board))
    hib = bool(board["higher_is_better"].iloc[0])
    second = ("precision_top5", "precision@top-5 %") if hib else ("within_10pct", "fraction within ±10 %")
    labels = sorted(set(board["label"]), key=lambda s: (s != BASELINE, s))
    colors = plt.get_cmap("tab10" if len(labels) <= 10 else "tab20")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for i, lab in enumerate(labels):
        g = board[board["label"] == lab].sort_values("train_size")
        x = g["train_size"].to_numpy(float)
        is_base = lab == BASELINE
        style = {"color": "black", "linestyle": "--"} if is_base else {"color": colors(i % colors.N)}
        for ax, metric in zip(axes, ("kendall_tau", second[0]), strict=True):
            mean = g[f"{metric}_mean"].to_numpy(float)
            ci = np.nan_to_num(g[f"{metric}_ci95"].to_numpy(float))
            ax.plot(x, mean, marker="o", markersize=3, label=lab, **style)
            ax.fill_between(x, mean - ci, mean + ci, alpha=0.15, color=style["color"], linewidth=0)
    sizes = sorted(board["train_size"].unique())
    for ax, title in zip(axes, ("Kendall tau", second[1]), strict=True):
        ax.set_xscale("log")
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.minorticks_off()
        ax.set_xlabel("training-set size")
        ax.set_ylabel(title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8, ncol=2)
    fig.suptitle(f"{board['benchmark'].iloc[0]} · {board['target'].iloc[0]} (mean ± 95 % CI over seeds)")
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


def write_board(board: pd.DataFrame, out_dir: str | os.PathLike[str]) -> Board:
    """The board's CSV, then its Markdown, HTML and plot rendered from that CSV (so every file agrees
    with the CSV to the digit it shows)."""
    benchmark, target = board["benchmark"].iloc[0], board["target"].iloc[0]
    folder = Path(out_dir, *str(benchmark).split("/"))
    csv, md, png = (folder / f"{target}{ext}" for ext in (".csv", ".md", ".png"))
    with atomic_path(csv) as tmp:
        board.to_csv(tmp, index=False, float_format="%.6g", lineterminator="\n")
    stored = pd.read_csv(csv)
    text = render_board_pages(csv, stored)
    plot_board(stored, png)
    return Board(str(benchmark), str(target), csv, md, png, text)


def render_board_pages(csv: Path, board: pd.DataFrame) -> str:
    """Write ``<target>.md`` and ``<target>.html`` beside a board CSV (``board``, as read from it);
    returns the Markdown."""
    blocks = board_blocks(board, image=csv.with_suffix(".png").name)
    text = render_markdown(blocks)
    atomic_write_text(csv.with_suffix(".md"), text)
    atomic_write_text(csv.with_suffix(".html"), render_html(blocks))
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
        s = pd.read_csv(csv)
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
             "board has a CSV (every metric, mean and 95 % CI over seeds, the split hashes and the code revision of "
             "its rows), a Markdown table, the same as an HTML page, and a plot. "
             f"Code revision(s) of these rows: {', '.join(f'`{r}`' for r in sorted(revisions))}."
             + (" How they were computed: [PROVENANCE.md](PROVENANCE.md)." if (out_dir / "PROVENANCE.md").is_file()
                else ""))
    return [("h1", "ArchBench predictor leaderboards"), ("p", intro),
            ("table", ["benchmark", "target", "predictors", "training sizes", "seeds", "best τ at largest size",
                       "best within ±10 % at largest size"], rows)]


def index_markdown(out_dir: str | os.PathLike[str]) -> str:
    """The index of every board under ``out_dir`` as Markdown (``README.md``)."""
    return render_markdown(index_blocks(out_dir))


def build_leaderboards(
    results_dir: str | os.PathLike[str] = "results",
    out_dir: str | os.PathLike[str] = "leaderboards",
    benchmarks: list[str] | None = None,
) -> list[Board]:
    """Write every board found in ``results_dir`` (optionally only some benchmarks), re-render the pages
    of boards already under ``out_dir``, and write the index as ``README.md`` and ``index.html``."""
    from bench.evaluate import ResultStore

    rows = ResultStore(results_dir).frame()
    if rows.empty:
        raise UsageError(f"no results in {results_dir}; run `archbench evaluate` first")
    if benchmarks:
        unknown = sorted(set(benchmarks) - set(rows["benchmark"]))
        if unknown:
            raise UsageError(f"no results for {', '.join(unknown)} in {results_dir}")
        rows = rows[rows["benchmark"].isin(benchmarks)]
    out = Path(out_dir)
    summary = summarize(rows)
    boards = [write_board(board.reset_index(drop=True), out)
              for _, board in summary.groupby(["benchmark", "target"], sort=True)]
    built = {b.csv for b in boards}
    found = _board_csvs(out)  # every board under out, read once
    for csv, board in found:  # boards built earlier: their pages follow this renderer too
        if csv not in built:
            render_board_pages(csv, board)
    atomic_write_text(out / "README.md", render_markdown(index_blocks(out, boards=found)))
    atomic_write_text(out / "index.html", render_html(index_blocks(out, page=".html", boards=found)))
    return boards
