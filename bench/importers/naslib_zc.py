"""Import NASLib's zero-cost files (NAS-Bench-Suite-Zero, early partial release) as ``naslib-zc/*``.

Each ``zc_*.json`` maps a task to ``{architecture key: record}``; a record holds ``val_accuracy``
(queried by NASLib from the task's tabular benchmark) and zero-cost proxies computed by NASLib at
initialization: ``{"score", "time"}`` dicts (NB201, NB301, TransNAS-Bench-101) or plain scores
(NB101, no times). Every proxy becomes ``zc_<proxy>`` (score, ``split="none"``) and, where
recorded, ``zc_<proxy>_time`` (seconds); ``params`` and ``flops`` are also stored under those names
with their units. Predictors use ``zc_*`` as features and each proxy as a zero-cost baseline.

Spaces (how NASLib's keys become canonical architectures):

* NB101: key = 49 adjacency entries + 7 op codes (NASLib order: input, output, maxpool3x3,
  conv1x1-bn-relu, conv3x3-bn-relu) -> the generic ``graph`` space with NB101's ops
  (:meth:`GraphSpace.nb101`: pruning, at most 9 edges, isomorphism hash), so ids are the first 63 bits
  of the official NB101 module hashes.
* NB201: NASLib op tuple -> NB201 index (:meth:`NB201Space.from_naslib`), so these rows join with
  every other NB201 table.
* NB301 (DARTS): key = (normal, reduce), each 8 ``(input, op)`` pairs, NASLib's compact form ->
  a ``sequence`` space of 32 positions ``<cell>_edge<j>_input`` (node ``2 + j // 2`` takes input
  0..``j // 2 + 1``) and ``<cell>_edge<j>_op`` (7 DARTS ops in NASLib's order). The two edges into
  a node keep NASLib's order: a cell with the pair swapped is a different id (as in NASLib's keys).
* TransNAS-Bench-101 micro: 6 edge ops (TNB digits 0 none, 1 skip_connect, 2 nor_conv_1x1,
  3 nor_conv_3x3; positions in the order of TNB's ``64-41414-a_bc_def`` string, which NASLib built
  from the tuple to query ``val_accuracy``) -> ``sequence``. ``source_key`` is TNB's string.
* TransNAS-Bench-101 macro: 6 module choices (TNB digits; ``0`` = no module, NASLib pads 4- and
  5-module nets with trailing zeros) -> ``sequence``; ``source_key`` is TNB's ``64-xxxx-basic``.

NASLib marks a failed proxy computation with ``-1e8`` (epe_nas, jacov) or ``-inf`` (nwot); those
values are stored as NaN (the label's description counts them) and a proxy that failed on every
architecture of a task (epe_nas on most TNB tasks) is left out, as ``note_proxies`` says. Entries
that are the same canonical architecture (NASLib's NB101 file lists specs that prune to one cell:
500 entries, 292 cells) are merged: every label is their mean, ``naslib_entries`` counts them.

The proxies' parameter and FLOP counts rise with the number of ``nor_conv_3x3`` (digit 3) edges in
the micro files (Pearson 0.99 on class_scene), confirming the TNB digit meaning the labels use.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.errors import UsageError
from bench.importers.provenance import PublishedFile, VerifiedFile, locate_and_verify, provenance_meta
from bench.importers.rows import RowGroups, describe_reduction
from bench.spaces import get_space
from bench.spaces.nb201 import NB201Space
from bench.spaces.sequence import SequenceSpace
from bench.store import LabelInfo, StoreContents

REPO = "automl/NASLib"
COMMIT_MAIN = "1bdbd960ee3e08b4b71dfbae57ff4d4e43ec25c1"
COMMIT_TNB = "e5a821c2dadf608042e4e046e386006cf6bd0564"
FILES = {
    "nb101": PublishedFile(REPO, COMMIT_MAIN, "naslib/data/zc_nasbench101.json",
                           "c34840bc9af68b6ebaa7f052e42c1749a9a737d7243078be2a5548052bc5a0c2"),
    "nb201": PublishedFile(REPO, COMMIT_MAIN, "naslib/data/zc_nasbench201.json",
                           "80e131a5f2cd0320bd5524945a9df9f7a115a642654644f909e879f747fb3c4a"),
    "nb301": PublishedFile(REPO, COMMIT_MAIN, "naslib/data/zc_nasbench301.json",
                           "537e9abd6f0b14fdffdfcb3c07b18a037647b5c80808b3b2cf9a51b1b491aba1"),
    "tnb101-macro": PublishedFile(REPO, COMMIT_TNB, "naslib/data/zc_transbench101_macro.json",
                                  "f1d393373855bd7ba29bc81b33adb947ef2518d82aa0e6c003809ce6a4d94212"),
    "tnb101-micro": PublishedFile(REPO, COMMIT_TNB, "naslib/data/zc_transbench101_micro.json",
                                  "f9f2c5d6d9b9a73964f1bffb2869f218e1110755d84ddd4a46a8cf482f799cd1"),
}
LICENSE = "Apache-2.0 (automl/NASLib); accuracies from NB101 (Apache-2.0), NB201 (MIT), NB301 (Apache-2.0), TNB101"
CITATION = (
    "Krishnakumar, White, Zela, Tu, Safari, Hutter. NAS-Bench-Suite-Zero: Accelerating Research on Zero Cost Proxies. "
    "NeurIPS 2022 Datasets and Benchmarks (automl/NASLib)."
)
PROXIES = ("epe_nas", "fisher", "flops", "grad_norm", "grasp", "jacov", "l2_norm", "nwot", "params", "plain", "snip",
           "synflow")
#: NASLib's score for a proxy computation that failed (``-inf`` marks nwot failures)
FAILURE_VALUE = -1e8
TNB_TASKS = ("class_scene", "class_object", "autoencoder", "normal", "jigsaw", "room_layout", "segmentsemantic")


@dataclass(frozen=True)
class Target:
    """What ``val_accuracy`` means in one file/task (from NASLib's query code for that benchmark)."""

    unit: str
    epochs: int | None
    seeds: str
    what: str


_TNB_BEST = "single training run as released by TransNAS-Bench-101; best epoch (TNB API default mode='best')"
TNB_TARGETS = {
    "class_scene": Target("accuracy (%)", None, _TNB_BEST, "Taskonomy scene classification top-1 (valid_top1)"),
    "class_object": Target("accuracy (%)", None, _TNB_BEST, "Taskonomy object classification top-1 (valid_top1)"),
    "jigsaw": Target("accuracy (%)", None, _TNB_BEST, "jigsaw-puzzle permutation classification top-1 (valid_top1)"),
    "segmentsemantic": Target("pixel accuracy (%)", None, _TNB_BEST,
                              "semantic segmentation pixel accuracy (valid_acc)"),
    "autoencoder": Target("SSIM", None, _TNB_BEST, "autoencoding: structural similarity of the reconstruction "
                                                   "(valid_ssim, 0..1)"),
    "normal": Target("SSIM", None, _TNB_BEST, "surface normal prediction: structural similarity (valid_ssim, 0..1)"),
    "room_layout": Target("negative L2 loss", None, _TNB_BEST,
                          "room layout regression: negated L2 loss (valid_neg_loss; higher, i.e. closer to 0, is "
                          "better)"),
}


@dataclass(frozen=True)
class Subset:
    """One benchmark: which file and task it comes from, and what its accuracy means."""

    benchmark: str
    file: str
    task: str
    target: Target
    dataset: str


def _subsets() -> list[Subset]:
    out = [Subset("naslib-zc/nb101-cifar10", "nb101", "cifar10", Target(
        "accuracy (%)", 108, "one of the 3 NB101 runs, drawn at random by the nasbench API query NASLib calls",
        "CIFAR-10 validation accuracy after 108 epochs (NB101 validation_accuracy x 100)"), "cifar10")]
    nb201_seed = ("as in NASLib's NB201 data (not the 3-seed mean: CIFAR-10 values differ from it by up to 2.9 "
                  "points; probably one seed)")
    for task, dataset, split in (("cifar10", "cifar10", "x-valid of cifar10-valid"),
                                 ("cifar100", "cifar100", "x-valid"), ("ImageNet16-120", "imagenet16-120", "x-valid")):
        out.append(Subset(f"naslib-zc/nb201-{dataset}", "nb201", task, Target(
            "accuracy (%)", 200, nb201_seed,
            f"NB201 {task} validation accuracy at the final of 200 epochs (NASLib eval_acc1es, {split})"), dataset))
    out.append(Subset("naslib-zc/nb301-cifar10", "nb301", "cifar10", Target(
        "accuracy (%)", None,
        "NB301 surrogate-model prediction as queried by NASLib (not a training run; not verified)",
        "CIFAR-10 validation accuracy of the DARTS cell, as NASLib's NB301 query returns it"), "cifar10"))
    for kind in ("micro", "macro"):
        for task in TNB_TASKS:
            out.append(Subset(f"naslib-zc/tnb101-{kind}-{task}", f"tnb101-{kind}", task, TNB_TARGETS[task], task))
    return out


SUBSETS = _subsets()
BENCHMARKS = tuple(s.benchmark for s in SUBSETS)

# ---- spaces ---------------------------------------------------------------------------------------
DARTS_OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3",
             "dil_conv_5x5")  # NASLib nasbench301 compact order
TNB_MICRO_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")  # TNB micro digits 0..3
TNB_MICRO_EDGES = ("edge0-1", "edge0-2", "edge1-2", "edge0-3", "edge1-3", "edge2-3")  # TNB string order
TNB_MACRO_CHOICES = ("0", "1", "2", "3", "4")  # 0 = no module; 1..4 TNB macro module types


def nb301_space() -> SequenceSpace:
    choices, names = [], []
    for cell in ("normal", "reduce"):
        for j in range(8):
            choices += [[str(i) for i in range(j // 2 + 2)], list(DARTS_OPS)]
            names += [f"{cell}_edge{j}_input", f"{cell}_edge{j}_op"]
    return SequenceSpace(choices, names)


def tnb_micro_space() -> SequenceSpace:
    return SequenceSpace.uniform(6, TNB_MICRO_OPS, TNB_MICRO_EDGES)


def tnb_macro_space() -> SequenceSpace:
    return SequenceSpace.uniform(6, TNB_MACRO_CHOICES, [f"module{i + 1}" for i in range(6)])


def _key(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise UsageError(f"architecture key {text[:80]!r} is not a Python tuple/list literal") from None


def _archs_nb201(keys: list[str]) -> tuple[str, dict[str, Any], np.ndarray, list[str]]:
    space = NB201Space()
    codes = space.from_naslib(np.asarray([_key(k) for k in keys], dtype=np.int16))
    return "nb201", space.config(), codes, ["".join(str(int(d)) for d in _key(k)) for k in keys]


def _archs_nb301(keys: list[str]) -> tuple[str, dict[str, Any], np.ndarray, list[str]]:
    space = nb301_space()
    rows = []
    for k in keys:
        cells = np.asarray(_key(k))
        if cells.shape != (2, 8, 2):
            raise UsageError(f"NB301 key {k[:60]!r}: expected two cells of 8 (input, op) pairs")
        rows.append(" ".join(f"{inp} {DARTS_OPS[op]}" for cell in cells for inp, op in cell))
    return "sequence", space.config(), space.to_codes(rows), list(keys)


def _archs_tnb(keys: list[str], kind: str) -> tuple[str, dict[str, Any], np.ndarray, list[str]]:
    space = tnb_micro_space() if kind == "micro" else tnb_macro_space()
    digits = np.asarray([_key(k) for k in keys], dtype=np.int16)
    if digits.ndim != 2 or digits.shape[1] != 6:
        raise UsageError(f"TransNAS-Bench-101 {kind} keys must have 6 digits")
    codes = space.validate(digits)
    if kind == "micro":
        source = [f"64-41414-{d[0]}_{d[1]}{d[2]}_{d[3]}{d[4]}{d[5]}" for d in digits]
    else:
        source = ["64-" + "".join(str(x) for x in d if x != 0) + "-basic" for d in digits]
    return "sequence", space.config(), codes, source


def _archs_nb101(keys: list[str]) -> tuple[str, dict[str, Any], np.ndarray, list[str]]:
    from bench.spaces.graph import GraphSpace

    space = GraphSpace.nb101()
    rows = []
    for k in keys:
        tup = _key(k)
        n = int(round((-1 + np.sqrt(1 + 4 * len(tup))) / 2))
        if n * n + n != len(tup):
            raise UsageError(f"NB101 key {k[:60]!r}: length {len(tup)} is not n*n + n")
        rows.append(space.from_nb101(tup[: n * n], list(tup[n * n:])))
    return "graph", space.config(), np.stack(rows), list(keys)


def _space_rows(subset: Subset, keys: list[str]) -> tuple[str, dict[str, Any], np.ndarray, list[str]]:
    if subset.file == "nb201":
        return _archs_nb201(keys)
    if subset.file == "nb301":
        return _archs_nb301(keys)
    if subset.file == "nb101":
        return _archs_nb101(keys)
    return _archs_tnb(keys, subset.file.split("-")[1])


# ---- labels ---------------------------------------------------------------------------------------
def _proxy_info(name: str, proxy: str, source: str, timed: bool, failed: int = 0) -> LabelInfo:
    unit = {"flops": "MFLOPs", "params": "M parameters"}.get(proxy, "proxy score")
    return LabelInfo(
        name=name, unit=unit, split="none", epochs=None,
        seed_reduction="one computation at initialization (NASLib; one seed, one minibatch)",
        higher_is_better=True, source=source,
        description=f"zero-cost proxy {proxy} as computed by NASLib (larger = predicted better, NASLib's convention)"
                    + ("" if timed else "; this file records no compute time")
                    + (f"; NASLib's failure value (-1e8 or -inf) for {failed} architecture(s) is stored as NaN"
                       if failed else ""),
        extra={"proxy": proxy, "failed_computations": failed},
    )


def _failed(score: np.ndarray) -> np.ndarray:
    """NASLib's failure markers: ``-1e8`` (epe_nas, jacov) and ``-inf`` (nwot)."""
    return (score == FAILURE_VALUE) | np.isinf(score)


def _labels(subset: Subset, records: list[dict[str, Any]], source: str
            ) -> tuple[dict[str, tuple[np.ndarray, LabelInfo]], list[str]]:
    """The labels, and notes on proxies left out because NASLib failed on every architecture."""
    t = subset.target
    labels = {"val_acc": (np.array([float(r["val_accuracy"]) for r in records]), LabelInfo(
        name="val_acc", unit=t.unit, split="valid", epochs=t.epochs, seed_reduction=t.seeds, higher_is_better=True,
        source=f"{source} [val_accuracy]", description=t.what, extra={"task": subset.task},
    ))}
    notes = []
    present = [p for p in PROXIES if p in records[0]]
    for proxy in present:
        missing = next((i for i, r in enumerate(records) if proxy not in r), None)
        if missing is not None:
            raise UsageError(f"{source}: record {missing} has no {proxy!r} although the first record has it")
        values = [r[proxy] for r in records]
        timed = isinstance(values[0], dict)
        score = np.array([float(v["score"]) if timed else float(v) for v in values])
        failed = _failed(score)
        if failed.all():
            notes.append(f"{proxy}: NASLib's failure value for every architecture (not stored)")
            continue
        score = np.where(failed, np.nan, score)
        key = f"{source} [{proxy}" + (".score]" if timed else "]")
        labels[f"zc_{proxy}"] = (score, _proxy_info(f"zc_{proxy}", proxy, key, timed, int(failed.sum())))
        if timed:
            labels[f"zc_{proxy}_time"] = (np.array([float(v["time"]) for v in values]), LabelInfo(
                name=f"zc_{proxy}_time", unit="s", split="none", epochs=None,
                seed_reduction="one computation (NASLib)", higher_is_better=False, source=f"{source} [{proxy}.time]",
                description=f"time NASLib took to compute the {proxy} proxy (hardware not recorded)",
                extra={"proxy": proxy}))
        if proxy in ("params", "flops"):
            labels[proxy] = (score.copy(), LabelInfo(
                name=proxy, unit=labels[f"zc_{proxy}"][1].unit, split="none", epochs=None,
                seed_reduction="deterministic", higher_is_better=False, source=key,
                description=f"{'parameter count' if proxy == 'params' else 'FLOPs'} of the network as NASLib "
                            "counted it for the proxies", extra={}))
    return labels, notes


def _contents(subset: Subset, table: dict[str, Any], raw: VerifiedFile) -> StoreContents:
    keys = list(table)
    if not keys:
        raise UsageError(f"{raw.path}: task {subset.task!r} is empty")
    records = [table[k] for k in keys]
    space, config, codes, source_keys = _space_rows(subset, keys)
    sp = get_space(space, **config)
    codes = sp.canonicalize(codes)
    groups = RowGroups(sp.to_ids(codes))
    source = f"{raw.published.describe()} [{subset.task}]"
    labels = {}
    raw_labels, notes = _labels(subset, records, source)
    for name, (values, info) in raw_labels.items():
        if groups.has_repeats:
            present = groups.present(values)
            said = describe_reduction("mean", present, "NASLib entries", int(groups.counts.sum() - present.sum()),
                                      int((present == 0).sum()))
            info = dataclasses.replace(info, seed_reduction=f"{said}; {info.seed_reduction}")
        labels[name] = (groups.reduce(values, "mean"), info)
    if groups.has_repeats:
        labels["naslib_entries"] = (groups.counts.astype(np.float64), LabelInfo(
            name="naslib_entries", unit="count", split="none", epochs=None, seed_reduction="deterministic",
            higher_is_better=True, source=source,
            description="how many entries of the NASLib file describe this cell (specs that prune or permute to "
                        "the same canonical graph); every label is their mean"))
    codes = codes[groups.first_row]
    return StoreContents(
        benchmark=subset.benchmark, space=space, space_config=config, ids=groups.ids, strings=sp.to_strings(codes),
        codes=codes, source_keys=np.asarray([source_keys[i] for i in groups.first_row], dtype=bytes),
        labels=labels, iso_class=sp.iso_class(codes) if space == "nb201" else None,
        meta={
            "source": f"github.com/{REPO}@{raw.published.commit} {raw.published.path} [{subset.task}]",
            "source_version": f"git {raw.published.commit}",
            "license": LICENSE,
            "citation": CITATION,
            **provenance_meta([raw]),
            "dataset": subset.dataset,
            "description": f"{len(groups.ids)} architectures ({len(keys)} NASLib entries) of "
                           f"{subset.benchmark.split('/')[1]}: validation metric and NASLib zero-cost proxies "
                           "(score and compute time)",
            **({"note_proxies": "; ".join(notes)} if notes else {}),
        },
    )


def _task_table(data: dict[str, Any], subset: Subset, path: Path) -> dict[str, Any]:
    root = data.get("nasbench101", data) if subset.file == "nb101" else data
    if subset.task not in root:
        raise UsageError(f"{path}: no task {subset.task!r} (found {', '.join(root)})")
    return root[subset.task]


def read(
    path: str | os.PathLike[str], allow_unknown: bool = False, only: set[str] | None = None
) -> list[StoreContents]:
    """``path``: a folder holding the ``zc_*.json`` files (e.g. NASLib's ``naslib/data``), or one of them.

    With a folder, files that are absent are skipped unless one of their benchmarks is in ``only``.
    """
    given = Path(path).expanduser()
    wanted = [s for s in SUBSETS if only is None or s.benchmark in only]
    if given.is_file():
        files = [f for f, pub in FILES.items() if pub.name == given.name]
        if not files:
            known = ", ".join(p.name for p in FILES.values())
            raise UsageError(f"{given.name} is not one of NASLib's zero-cost files ({known})")
        wanted = [s for s in wanted if s.file == files[0]]
    elif given.is_dir() and only is None:
        present = {p.name for p in given.rglob("zc_*.json")}
        wanted = [s for s in wanted if FILES[s.file].name in present]
        if not wanted:
            raise FileNotFoundError(f"no NASLib zero-cost file (zc_*.json) under {given}")
    out = []
    loaded: dict[str, tuple[dict[str, Any], VerifiedFile]] = {}
    for subset in wanted:
        if subset.file not in loaded:
            raw = locate_and_verify(given, FILES[subset.file], allow_unknown)
            try:
                loaded[subset.file] = (json.loads(raw.path.read_text()), raw)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{raw.path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        data, raw = loaded[subset.file]
        out.append(_contents(subset, _task_table(data, subset, raw.path), raw))
    return out
