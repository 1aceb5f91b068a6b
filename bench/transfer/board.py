"""Transfer boards: ``leaderboards/transfer/<board>/summary.{csv,md,png}`` from unit files.

A cell is one (protocol, predictor, k, target) over its seeds (a cell with fewer seeds than the
board's others at that k, i.e. one still running, is left out): the mean and a 95 % t-interval over
seeds (each seed is a fresh draw of the k labels and, under ArchBench's protocol, of the query set,
so the seeds' spread already holds both). A ``mean`` row averages the targets per seed first (HELP's
meta-test devices on the HELP boards, every target elsewhere). Ceilings (the same predictor trained
on every non-query architecture) and HELP's published Spearman (README Tables 2 and 3) sit beside.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.atomic import atomic_path, atomic_write_text
from bench.errors import UsageError
from bench.metrics import mean_ci95
from bench.transfer.run import in_current_format, read_record
from bench.transfer.tasks import HELP_FOLDERS, help_roles

#: HELP's published Spearman on its meta-test devices (github.com/HayeonLee/HELP README, Tables 3 and 2)
HELP_PUBLISHED: dict[str, dict[str, float]] = {
    "help-nb201": {"titan_rtx_256": 0.987, "gold_6226": 0.989, "fpga": 0.985, "pixel2": 0.802, "raspi4": 0.890,
                   "eyeriss": 0.940, "mean": 0.932},
    "help-fbnet": {"raspi4": 0.887, "eyeriss": 0.943, "fpga": 0.892, "mean": 0.910},
}
METRICS = ("spearman", "kendall", "within_10pct")
#: the issue's targets: (protocol, k, metric, {target: threshold}, also at least HELP's value per device)
TARGETS: dict[str, tuple[str, str, str, dict[str, float], bool]] = {
    "help-nb201": ("help", "20", "spearman", {"mean": 0.955}, True),
    "help-fbnet": ("help", "20", "spearman", {"mean": 0.94}, True),
    "nbg-cross-dataset": ("archbench", "100", "kendall", {
        "cora": 0.51, "citeseer": 0.61, "pubmed": 0.40, "cs": 0.70, "physics": 0.58, "photo": 0.66,
        "computers": 0.56, "arxiv": 0.73}, False),
    "nb201-cross-fidelity": ("archbench", "100", "kendall", {"cifar10-valid": 0.85}, False),
}


def _ci95(values: np.ndarray) -> float:
    return mean_ci95(values[np.isfinite(values)])[1]


def collect(results: Path, board: str) -> list[dict[str, Any]]:
    root = results / "transfer" / board
    if not root.is_dir():
        raise UsageError(f"no transfer results for {board!r} under {root}")
    records = []
    for path in sorted(root.rglob("*.npz")):
        record = read_record(path)
        if not in_current_format(record):  # float32 predictions: their ties are not the model's
            raise UsageError(f"{path} is an old unit file (float32 predictions); rerun `archbench transfer run` "
                             f"on {results} to redo it")
        records.append(record)
    return records


def _mean_targets(board: str, protocol: str, present: set[str]) -> list[str]:
    if board in HELP_FOLDERS:
        roles = help_roles(board)
        return [d for d in roles if roles[d] == "meta-test" and d in present]
    return sorted(present)


def summarize(records: list[dict[str, Any]], board: str) -> pd.DataFrame:
    """The summary table (CSV contract: protocol, predictor, k, device, spearman_mean, spearman_ci95, ...)."""
    cells: dict[tuple, dict[int, dict[str, float]]] = defaultdict(dict)
    for r in records:
        cells[(r["protocol"], r["predictor"], str(r["k"]), r["target_name"])][r["seed"]] = r["metrics"]
    # a cell still being run (fewer seeds than the board's other cells at that k) is left out
    full: dict[tuple[str, str], int] = defaultdict(int)
    for (protocol, _, k, _), seeds in cells.items():
        full[(protocol, k)] = max(full[(protocol, k)], len(seeds))
    cells = defaultdict(dict, {key: seeds for key, seeds in cells.items() if len(seeds) == full[(key[0], key[2])]})
    rows = []
    ceiling = {key: np.nanmean([m["spearman"] for m in seeds.values()])
               for key, seeds in cells.items() if key[2] == "all"}
    ceiling_tau = {key: np.nanmean([m["kendall"] for m in seeds.values()])
                   for key, seeds in cells.items() if key[2] == "all"}
    groups: dict[tuple, dict[str, dict[int, dict[str, float]]]] = defaultdict(dict)
    for (protocol, predictor, k, target), seeds in cells.items():
        groups[(protocol, predictor, k)][target] = seeds
    for (protocol, predictor, k), by_target in sorted(groups.items()):
        present = set(by_target)
        wanted = _mean_targets(board, protocol, present)
        for target in sorted(present) + (["mean"] if wanted else []):
            if target == "mean":
                common = sorted(set.intersection(*(set(by_target[t]) for t in wanted)))
                per_seed = {m: np.array([np.mean([by_target[t][s].get(m, np.nan) for t in wanted]) for s in common])
                            for m in METRICS}
                n = len(common)
                ceil = [ceiling.get((protocol, predictor, "all", t), np.nan) for t in wanted]
                ceil_tau = [ceiling_tau.get((protocol, predictor, "all", t), np.nan) for t in wanted]
                ceil_s, ceil_t = float(np.mean(ceil)), float(np.mean(ceil_tau))
            else:
                seeds = by_target[target]
                per_seed = {m: np.array([seeds[s].get(m, np.nan) for s in sorted(seeds)]) for m in METRICS}
                n = len(seeds)
                ceil_s = ceiling.get((protocol, predictor, "all", target), np.nan)
                ceil_t = ceiling_tau.get((protocol, predictor, "all", target), np.nan)
            row = {"protocol": protocol, "predictor": predictor, "k": k, "device": target, "n_seeds": n}
            for m in METRICS:
                v = per_seed[m]
                row[f"{m}_mean"] = float(np.nanmean(v)) if np.isfinite(v).any() else np.nan
                row[f"{m}_ci95"] = _ci95(v)
            row["ceiling_spearman"] = ceil_s
            row["ceiling_kendall"] = ceil_t
            row["help_published_spearman"] = (HELP_PUBLISHED.get(board, {}).get(target, np.nan)
                                              if protocol == "help" else np.nan)
            rows.append(row)
    for device, value in HELP_PUBLISHED.get(board, {}).items():
        rows.append({"protocol": "help", "predictor": "HELP (published)", "k": "20", "device": device, "n_seeds": 1,
                     "spearman_mean": value, "help_published_spearman": value})
    df = pd.DataFrame(rows)
    return _sorted(df)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    """Rows by protocol, predictor, k (numeric, ``all`` last) and target: the CSV's one order."""
    order = df["k"].map(lambda k: 10**9 if str(k) == "all" else int(k))
    return df.assign(k_order=order).sort_values(["protocol", "predictor", "k_order", "device"]) \
        .drop(columns="k_order").reset_index(drop=True)


def _fmt(mean: float, ci: float) -> str:
    if not np.isfinite(mean):
        return ""
    return f"{mean:.3f}" + (f" ± {ci:.3f}" if np.isfinite(ci) else "")


def target_check(df: pd.DataFrame, board: str) -> pd.DataFrame:
    """Per predictor: the targeted cells, their ceilings, and whether every target is met (on the mean)."""
    if board not in TARGETS:
        return pd.DataFrame()
    protocol, k, metric, thresholds, beat_help = TARGETS[board]
    part = df[(df["protocol"] == protocol) & (df["k"] == k) & (df["predictor"] != "HELP (published)")]
    rows = []
    for pred, cell in part.groupby("predictor"):
        by = cell.set_index("device")
        checks = {t: (by.at[t, f"{metric}_mean"] if t in by.index else np.nan) >= v for t, v in thresholds.items()}
        if beat_help:
            for dev, value in HELP_PUBLISHED[board].items():
                if dev != "mean":
                    checks[f"{dev} >= HELP"] = (by.at[dev, f"{metric}_mean"] if dev in by.index else np.nan) >= value
        row = {"predictor": pred, **{t: by.at[t, f"{metric}_mean"] if t in by.index else np.nan for t in
                                     (list(thresholds) + ([d for d in HELP_PUBLISHED[board] if d != "mean"]
                                                          if beat_help else []))}}
        ceiling = "ceiling_spearman" if metric == "spearman" else "ceiling_kendall"
        row.update({f"ceiling {t}": by.at[t, ceiling] if t in by.index else np.nan for t in thresholds})
        row["all targets met"] = all(bool(v) for v in checks.values())
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame, board: str, metric: str) -> str:
    lines = [f"# Transfer board: {board}", "",
             f"Mean {metric} over seeds ± 95 % t-interval half-width; `all` = ceiling (trained on every non-query "
             "architecture). Generated by `archbench transfer build`; protocol: datasets/PROTOCOL.md "
             "(transfer track).", "", f"![{board}: mean {metric} against k](summary.png)", ""]
    checked = target_check(df, board)
    if len(checked):
        protocol, k, tmetric, thresholds, beat_help = TARGETS[board]
        wanted = ", ".join(f"{t} >= {v}" for t, v in thresholds.items())
        lines += [f"## Targets (protocol `{protocol}`, k = {k}, {tmetric}: {wanted}"
                  + ("; and at least HELP's published value on every device" if beat_help else "") + ")", "",
                  "| " + " | ".join(checked.columns) + " |", "|" + "---|" * len(checked.columns)]
        for _, row in checked.iterrows():
            lines.append("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |")
        lines.append("")
    for protocol, part in df.groupby("protocol", sort=True):
        present = set(part["device"])
        devices = sorted(present - {"mean"}) + (["mean"] if "mean" in present else [])
        lines += [f"## Protocol `{protocol}`", "", "| predictor | k | " + " | ".join(devices) + " |",
                  "|---|---|" + "---|" * len(devices)]
        for (pred, k), cell in part.groupby(["predictor", "k"], sort=False):
            by = cell.set_index("device")
            vals = [_fmt(by.at[d, f"{metric}_mean"], by.at[d, f"{metric}_ci95"]) if d in by.index else ""
                    for d in devices]
            lines.append(f"| {pred} | {k} | " + " | ".join(vals) + " |")
        lines.append("")
    return "\n".join(lines)


def plot(df: pd.DataFrame, board: str, metric: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bench.plotstyle import legend_outside, plain_log_ticks, series_styles

    protocols = sorted(df["protocol"].unique())
    fig, axes = plt.subplots(1, len(protocols), figsize=(6 * len(protocols) + 1.5, 4), squeeze=False,
                             layout="constrained")
    handles: list[Any] = []
    labels: list[str] = []
    for ax, protocol in zip(axes[0], protocols, strict=True):
        part = df[(df["protocol"] == protocol) & (df["device"] == "mean") & (df["k"] != "all")]
        if protocol == "archbench":
            styles = series_styles(sorted(part["predictor"].unique()))
            for pred, cell in part.groupby("predictor"):
                ks = cell["k"].astype(int)
                ax.errorbar(ks, cell[f"{metric}_mean"], yerr=cell[f"{metric}_ci95"], label=pred, capsize=2,
                            **styles[pred])
            ax.set_xscale("log")
            plain_log_ticks(ax.xaxis)
            ax.set_xlabel("k target labels")
            handles, labels = ax.get_legend_handles_labels()
        else:
            colours = ["tab:grey" if p == "HELP (published)" else "tab:blue" for p in part["predictor"]]
            ax.bar(part["predictor"], part[f"{metric}_mean"], yerr=part[f"{metric}_ci95"].fillna(0), capsize=2,
                   color=colours)
            if np.isfinite(part[f"{metric}_mean"]).any():  # a protocol with no mean rows has no bars
                ax.set_ylim(max(0.0, float(np.nanmin(part[f"{metric}_mean"])) - 0.05), 1.0)
            ax.tick_params(axis="x", rotation=45)
        ax.set_ylabel(f"mean {metric} over targets")
        ax.set_title(f"{board}, protocol {protocol}")
    if handles:
        legend_outside(fig, handles, labels)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)


def write_index(out: Path) -> Path:
    """``out/README.md``: every built board with its Targets section."""
    parts = ["# Transfer boards", "",
             "Predict a new device's latency, a new dataset's accuracy or the full-budget accuracy from k target "
             "labels plus fully known source tables (protocol: `datasets/PROTOCOL.md`, transfer track). "
             "Built by `archbench transfer build`.", ""]
    for folder in sorted(p.parent for p in out.glob("*/summary.md")):
        text = (folder / "summary.md").read_text()
        targets = text.split("## Targets", 1)[1].split("\n## ", 1)[0] if "## Targets" in text else ""
        parts += [f"## [{folder.name}]({folder.name}/summary.md)", "", ("Targets" + targets).strip(), ""]
    return atomic_write_text(out / "README.md", "\n".join(parts) + "\n")


def render(df: pd.DataFrame, board: str, folder: Path) -> Path:
    """Write ``folder/summary.{md,png}`` from a board's summary table; returns the folder.

    The HTML page is the site's (``archbench leaderboard build``), like every other board's."""
    metric = "spearman" if board in HELP_FOLDERS else "kendall"
    atomic_write_text(folder / "summary.md", markdown(df, board, metric))
    plot(df, board, metric, folder / "summary.png")
    return folder


def build(results: Path, board: str, out: Path, protocols: list[str] | None = None) -> Path:
    """Write ``out/<board>/summary.{csv,md,png}`` from the stored units; returns the folder.

    With ``protocols``, only those protocols' rows come from the units; the board's other rows are kept
    as they stand in its ``summary.csv`` (so one protocol can be re-run without the other's units)."""
    records = collect(results, board)
    folder = out / board
    if protocols:
        records = [r for r in records if r["protocol"] in protocols]
        if not records:
            raise UsageError(f"no {'/'.join(protocols)} units for {board!r} under {results}")
    df = summarize(records, board)
    if protocols:
        df = df[df["protocol"].isin(protocols)]
        old = folder / "summary.csv"
        if old.is_file():
            kept = pd.read_csv(old, dtype={"k": str})
            df = _sorted(pd.concat([kept[~kept["protocol"].isin(protocols)], df], ignore_index=True))
    atomic_write_text(folder / "summary.csv", df.to_csv(index=False, float_format="%.6g"))
    return render(df, board, folder)


def rebuild_from_csv(out: Path, board: str) -> Path:
    """Re-render ``out/<board>/summary.{md,png}`` from its committed ``summary.csv`` (no unit files needed)."""
    csv = out / board / "summary.csv"
    if not csv.is_file():
        raise UsageError(f"no transfer board {board!r}: {csv} is missing")
    try:
        df = pd.read_csv(csv, dtype={"k": str})
    except (ValueError, pd.errors.ParserError) as e:
        raise UsageError(f"{csv} is not a transfer board summary: {e}") from e
    if not {"protocol", "predictor", "k", "device"} <= set(df.columns):
        raise UsageError(f"{csv} is not a transfer board summary (needs protocol, predictor, k, device columns)")
    return render(df, board, out / board)
