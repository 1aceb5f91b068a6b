"""The README's Python examples run as written, in order, and do what their comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


#: first line of a README block that documents rather than runs here (a cluster, Slurm)
NOT_RUN = "# (not run by the test suite"


def python_blocks() -> list[str]:
    blocks = re.findall(r"^```python\n(.*?)^```$", README.read_text(), flags=re.S | re.M)
    return [b for b in blocks if not b.startswith(NOT_RUN)]


def test_readme_python_examples_run(nb201_tables):
    import torch

    blocks = python_blocks()
    assert len(blocks) >= 5  # loading, fitting a predictor, the PyG dataset, cross-validation, joins
    namespace: dict = {"__name__": "readme"}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on a shared machine, spinning torch threads slow the GNN example 30-fold
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for block in blocks:
                exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README
    finally:
        torch.set_num_threads(threads)
    # the fitted xgb and the user's GNN rank the test set (both beat random, tau ~ 0, by far)
    assert namespace["scores"]["kendall_tau"] > 0.3
    assert len(namespace["train"]) == 100 and namespace["train"][0].y.shape == (1,)
    assert namespace["score_predictions"](namespace["y_true"], namespace["y_pred"])["kendall_tau"] > 0.2
    assert namespace["search"].best_params_["xgb__max_depth"] in (3, 5) and namespace["taus"].shape == (3,)
