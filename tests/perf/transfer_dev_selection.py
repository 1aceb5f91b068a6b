"""Score transfer predictors with HELP's k = 20 sampling on the devices that are *not* meta-test.

This is how the transfer predictors' hyperparameters and ``blend``'s members were chosen: each
meta-train and meta-valid device of a HELP board is the target in turn (the other known devices are
its sources, as for a meta-test target), 20 frozen draws each, Spearman on HELP's trimmed query set,
scored from float64 predictions exactly as the boards are (unit format 2; the settings of session 7
were chosen on float32 scores). No meta-test label is read.

    python tests/perf/transfer_dev_selection.py --board help-nb201 --predictors additive,additive_huber,blend
"""

from __future__ import annotations

import argparse

import numpy as np

from bench.transfer.protocol import N_SEEDS, draws
from bench.transfer.run import fit_predict, load_transfer_predictor, score
from bench.transfer.tasks import help_roles, load_task


def dev_scores(board: str, predictor: str, seeds: int = N_SEEDS) -> dict[str, float]:
    """Mean Spearman over ``seeds`` HELP draws for every meta-train / meta-valid device of ``board``."""
    roles = help_roles(board)
    out = {}
    for device in (d for d in roles if roles[d] in ("meta-train", "meta-valid")):
        data = load_task(board, device)
        values = []
        for draw in draws(data, "help", 20, range(seeds)):
            pred, _ = fit_predict(data, draw, load_transfer_predictor(predictor)(seed=draw.seed))
            values.append(score(data.labels_of(draw.query_ids), pred, "latency")["spearman"])
        out[device] = float(np.mean(values))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", choices=("help-nb201", "help-fbnet"), required=True)
    parser.add_argument("--predictors", required=True, help="comma-separated transfer predictor names")
    parser.add_argument("--seeds", type=int, default=N_SEEDS)
    args = parser.parse_args()
    for name in args.predictors.split(","):
        scores = dev_scores(args.board, name, args.seeds)
        print(f"{name:16s} mean {np.mean(list(scores.values())):.4f} | "
              + " ".join(f"{d} {v:.3f}" for d, v in scores.items()), flush=True)


if __name__ == "__main__":
    main()
