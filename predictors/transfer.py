"""Predictors for the transfer track: a few target labels plus fully known source tables.

The transfer track adds one thing to the predictor contract: ``fit(archs, y, sources=None)`` may
receive a :class:`SourceTables` — the labels of other devices, datasets or training budgets for
every architecture of the space (fully visible by the task's definition). ``archs``/``y`` hold only
the k target labels of the draw; ``predict`` gets query architectures and no label at all. Any
predictor whose ``fit`` has no ``sources`` parameter (every ordinary ArchBench predictor, or a
user's plug-in) runs unchanged and simply ignores the sources.

Model choice (ridge penalty, which candidate model) is made by leave-one-out on the k samples only.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from bench.data import ArchBatch, SourceTables, column_scale, fit_on_task
from bench.errors import UsageError
from bench.predictor_registry import load_transfer_predictor_class
from predictors.base import Predictor

#: ridge penalties searched by efficient leave-one-out on the k samples
ALPHAS: tuple[float, ...] = tuple(np.logspace(-4, 3, 15))
#: FBNet's 22 layers fall into 7 stages (1, 4, 4, 4, 4, 4, 1 layers; Wu et al. 2019, Table 1)
FBNET_STAGES: tuple[int, ...] = (1, 4, 4, 4, 4, 4, 1)


def op_counts(archs: ArchBatch) -> np.ndarray:
    """Additive-model features: how often each operation occurs, per position group.

    NB201: counts of each of the 5 operations over the 6 edges (the cell is repeated in every
    stage, so a per-edge table adds only noise at k ≤ 100). FBNet (22 layers x 9 blocks): counts of
    each block per stage, because a block's cost depends on the stage's width and resolution. Any
    other space: its one-hot encoding (one group per position).
    """
    space = archs.space
    codes = np.asarray(archs.codes)
    if space.name == "nb201":
        return np.eye(len(space.ops))[codes.astype(np.int64)].sum(axis=1)
    if space.name == "sequence" and codes.shape[1] == sum(FBNET_STAGES) and len(set(map(len, space.choices))) == 1:
        n_ops = len(space.choices[0])
        onehot = np.eye(n_ops)[codes.astype(np.int64)]  # (n, 22, n_ops)
        bounds = np.cumsum((0, *FBNET_STAGES))
        return np.hstack([onehot[:, a:b].sum(axis=1) for a, b in zip(bounds[:-1], bounds[1:], strict=True)])
    return np.asarray(archs.encode("onehot"), dtype=np.float64)


def _ridge_loo(x: np.ndarray, y: np.ndarray) -> tuple[Any, float]:
    """RidgeCV fit (penalty by efficient leave-one-out) and its leave-one-out mean squared error."""
    from sklearn.linear_model import RidgeCV

    model = RidgeCV(alphas=np.asarray(ALPHAS), store_cv_results=True).fit(x, y)
    column = int(np.flatnonzero(np.isclose(model.alphas, model.alpha_))[0])
    return model, float(model.cv_results_[:, column].mean())


def _huber(x: np.ndarray, y: np.ndarray, alpha: float, epsilon: float) -> tuple[Any, float]:
    """Huber regression on ``y`` scaled by its median absolute deviation, so that ``epsilon`` (in
    those units) and ``alpha`` mean the same on every device's scale. Robust to the few noisy or
    extreme labels (integer-millisecond phone timings, HELP's untrimmed reference architectures)
    that pull a least-squares fit at k = 20. Returns the model and the scale to multiply back."""
    from sklearn.linear_model import HuberRegressor

    scale = float(np.median(np.abs(y - np.median(y)))) or float(np.std(y)) or 1.0
    model = HuberRegressor(epsilon=epsilon, alpha=alpha, max_iter=1000).fit(x, y / scale)
    return model, scale


def _huber_loo_mse(x: np.ndarray, y: np.ndarray, alpha: float, epsilon: float) -> float:
    """Leave-one-out mean squared error of :func:`_huber` (k refits; no closed form)."""
    errors = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        model, scale = _huber(x[keep], y[keep], alpha, epsilon)
        errors.append((model.predict(x[[i]])[0] * scale - y[i]) ** 2)
    return float(np.mean(errors))


class TransferPredictor(Predictor):
    """Base of the built-in transfer predictors: ``fit`` may receive the source tables."""

    encoding = "onehot"

    def _sources(self, sources: SourceTables | None) -> SourceTables:
        if sources is None or not len(sources.names):
            raise UsageError(f"predictor {self.name!r} needs source tables (run it on a transfer task)")
        return sources

    @abstractmethod
    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> TransferPredictor:
        """Fit on the k target labels, reading ``sources`` as the task allows."""

    def loo_mse(self) -> float:
        """Leave-one-out mean squared error on the k training samples (set by ``fit``)."""
        return self.loo_mse_


class AdditivePredictor(TransferPredictor):
    """Ridge on operation counts per position group (:func:`op_counts`), fit on the k samples only."""

    name = "additive"

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> AdditivePredictor:
        self.model_, self.loo_mse_ = _ridge_loo(op_counts(archs), np.asarray(y, dtype=np.float64))
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.model_.predict(op_counts(archs)).astype(np.float64)


class RobustAdditivePredictor(TransferPredictor):
    """The additive op-count model (:func:`op_counts`) fit by Huber regression instead of least
    squares: the same 5 (NB201) parameters, but a few outlying labels among the k no longer tilt
    them. ``epsilon``/``alpha`` were chosen on HELP's meta-train and meta-valid devices as targets
    (HELP's k = 20 sampling), never on the meta-test devices."""

    name = "additive_huber"

    def __init__(self, epsilon: float = 2.0, alpha: float = 1e-4, seed: int = 0) -> None:
        super().__init__(seed)
        self.epsilon = epsilon
        self.alpha = alpha

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> RobustAdditivePredictor:
        self.x_, self.y_ = op_counts(archs), np.asarray(y, dtype=np.float64)
        self.model_, self.scale_ = _huber(self.x_, self.y_, self.alpha, self.epsilon)
        return self

    def loo_mse(self) -> float:
        return _huber_loo_mse(self.x_, self.y_, self.alpha, self.epsilon)

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return (self.model_.predict(op_counts(archs)) * self.scale_).astype(np.float64)


def position_pairs(onehot: np.ndarray) -> np.ndarray:
    """Second-order features of a per-position one-hot (n, positions, ops): the one-hot itself plus,
    for every pair of positions, the one-hot of the pair's two choices (which op sits at a *and* b)."""
    n, positions, ops = onehot.shape
    pairs = [(onehot[:, a, :, None] * onehot[:, b, None, :]).reshape(n, ops * ops)
             for a in range(positions) for b in range(a + 1, positions)]
    return np.hstack([onehot.reshape(n, positions * ops), *pairs])


def _per_position(onehot: np.ndarray, positions: int) -> np.ndarray:
    """A flat one-hot as (n, positions, ops), where every position has the same ops (NB201, FBNet)."""
    blocks = onehot.reshape(len(onehot), positions, -1) if onehot.shape[1] % positions == 0 else None
    if blocks is None or not np.all(blocks.sum(axis=2) == 1):
        raise UsageError("order-2 smoothing needs a space whose positions all choose from one op list")
    return blocks


#: ridge penalty of each smoothing order: order 1 only averages noise out; order 2 has ~20x more
#: columns than order 1 on NB201 (390 vs 30), so it is shrunk harder (chosen on HELP's dev devices)
SMOOTHING_ALPHA: dict[int, float] = {1: 1e-3, 2: 30.0}


def smoothed_sources(sources: SourceTables, order: int = 1) -> np.ndarray:
    """Every source table replaced by its own fit over the whole table, standardized per column.

    Order 1: ridge on the per-position one-hot encoding (e.g. FBNet's 22 layers x 9 blocks), the
    additive cost structure. Order 2: ridge on :func:`position_pairs`, which also keeps what two
    positions' choices cost together (an op's cost depends on what feeds it). Either way a source's
    measurement noise is averaged out over all its architectures; cached with the source tables."""
    key = f"smoothed{order}"
    if key not in sources._cache:
        from sklearn.linear_model import Ridge

        if sources.archs is None:
            raise UsageError("smoothed sources need the source tables' architectures")
        if order not in SMOOTHING_ALPHA:
            raise UsageError(f"smoothing order must be one of {sorted(SMOOTHING_ALPHA)}, not {order}")
        x = np.asarray(sources.archs.encode("onehot"), dtype=np.float64)
        if order == 2:
            x = position_pairs(_per_position(x, np.shape(sources.archs.codes)[1]))
        z = sources.standardized(sources.ids)
        # (n, n_sources) even for one source, which Ridge would return flat
        fit = Ridge(alpha=SMOOTHING_ALPHA[order]).fit(x, z).predict(x).reshape(len(z), -1)
        mean, spread = column_scale(fit)
        sources._cache[key] = (fit - mean) / spread
    return sources._cache[key]


class SmoothedSourcePredictor(TransferPredictor):
    """Huber regression of the k labels on :func:`smoothed_sources`: the target as a mix of known
    devices, each denoised by its own fit over the whole table. ``alpha`` (the L2 penalty on the
    mix) and ``epsilon`` were chosen on HELP's meta-train and meta-valid devices as targets."""

    name = "source_smooth"
    order = 1

    def __init__(self, epsilon: float = 2.0, alpha: float = 1.0, seed: int = 0) -> None:
        super().__init__(seed)
        self.epsilon = epsilon
        self.alpha = alpha

    def _x(self, archs: ArchBatch) -> np.ndarray:
        return smoothed_sources(self.sources_, self.order)[self.sources_._rows(archs.ids)]

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> SmoothedSourcePredictor:
        self.sources_ = self._sources(sources)
        self.x_, self.y_ = self._x(archs), np.asarray(y, dtype=np.float64)
        self.model_, self.scale_ = _huber(self.x_, self.y_, self.alpha, self.epsilon)
        return self

    def loo_mse(self) -> float:
        return _huber_loo_mse(self.x_, self.y_, self.alpha, self.epsilon)

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return (self.model_.predict(self._x(archs)) * self.scale_).astype(np.float64)


class PairSmoothedSourcePredictor(SmoothedSourcePredictor):
    """:class:`SmoothedSourcePredictor` on order-2 smoothed sources (:func:`position_pairs`): each
    source keeps its pairwise cost structure, not only its additive part."""

    name = "source_smooth_pair"
    order = 2


class SourceRidgePredictor(TransferPredictor):
    """Ridge on the source tables' labels (standardized over the whole table): the target as a
    weighted mix of known devices / datasets / budgets."""

    name = "source_ridge"

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> SourceRidgePredictor:
        self.sources_ = self._sources(sources)
        self.model_, self.loo_mse_ = _ridge_loo(self.sources_.standardized(archs.ids), np.asarray(y, dtype=np.float64))
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.model_.predict(self.sources_.standardized(archs.ids)).astype(np.float64)


class AdditiveSourcePredictor(TransferPredictor):
    """Ridge on [operation counts, standardized source labels]."""

    name = "additive_source"

    def _x(self, archs: ArchBatch) -> np.ndarray:
        return np.hstack([op_counts(archs), self.sources_.standardized(archs.ids)])

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> AdditiveSourcePredictor:
        self.sources_ = self._sources(sources)
        self.model_, self.loo_mse_ = _ridge_loo(self._x(archs), np.asarray(y, dtype=np.float64))
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.model_.predict(self._x(archs)).astype(np.float64)


class BestSourcePredictor(TransferPredictor):
    """The single source table whose labels best rank the k samples (Spearman), mapped onto the
    target's scale by a least-squares line fit on the same k samples."""

    name = "best_source"

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> BestSourcePredictor:
        self.sources_ = self._sources(sources)
        y = np.asarray(y, dtype=np.float64)
        s = self.sources_.of(archs.ids)
        rho = np.array([_rho(s[:, j], y) for j in range(s.shape[1])])
        self.column_ = int(np.argmax(np.abs(rho)))
        self.source_ = self.sources_.names[self.column_]
        x = s[:, self.column_]
        self.coef_ = np.polyfit(x, y, 1) if np.ptp(x) > 0 else np.array([0.0, float(np.mean(y))])
        # leave-one-out residuals of a simple linear fit (hat-matrix formula)
        if len(y) > 2 and np.ptp(x) > 0:
            h = 1 / len(x) + (x - x.mean()) ** 2 / np.sum((x - x.mean()) ** 2)
            resid = y - np.polyval(self.coef_, x)
            self.loo_mse_ = float(np.mean((resid / np.maximum(1 - h, 1e-9)) ** 2))
        else:
            self.loo_mse_ = float("inf")
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return np.polyval(self.coef_, self.sources_.of(archs.ids)[:, self.column_]).astype(np.float64)


def _rho(a: np.ndarray, b: np.ndarray) -> float:
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    value = spearmanr(a, b).statistic
    return float(value) if np.isfinite(value) else 0.0


class FlopsPredictor(TransferPredictor):
    """Rank by model size: the ``flops`` (else ``params``) side feature, oriented and scaled by a
    line fit on the k samples. Needs no source table."""

    name = "flops"

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> FlopsPredictor:
        self.feature_ = next((f for f in ("flops", "params") if f in archs.extra), None)
        if self.feature_ is None:
            raise UsageError("the flops baseline needs a 'flops' or 'params' side feature; this task has none")
        x = np.asarray(archs.extra[self.feature_], dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        self.coef_ = np.polyfit(x, y, 1) if np.ptp(x) > 0 else np.array([0.0, float(np.mean(y))])
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return np.polyval(self.coef_, np.asarray(archs.extra[self.feature_], dtype=np.float64)).astype(np.float64)


class XGBTransferPredictor(TransferPredictor):
    """XGBoost on [one-hot encoding, source labels]: non-additive structure the sources share."""

    name = "xgb_transfer"

    def __init__(self, n_estimators: int = 300, max_depth: int = 3, learning_rate: float = 0.05,
                 subsample: float = 0.9, seed: int = 0) -> None:
        super().__init__(seed)
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample

    def _x(self, archs: ArchBatch) -> np.ndarray:
        return np.hstack([np.asarray(archs.encode("onehot"), dtype=np.float64), self.sources_.of(archs.ids)])

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> XGBTransferPredictor:
        import xgboost as xgb

        self.sources_ = self._sources(sources)
        y = np.asarray(y, dtype=np.float64)
        self.model_ = xgb.XGBRegressor(
            n_estimators=self.n_estimators, max_depth=self.max_depth, learning_rate=self.learning_rate,
            subsample=self.subsample, min_child_weight=1.0, n_jobs=1, random_state=self.seed, tree_method="hist",
        ).fit(self._x(archs), y)
        self.loo_mse_ = float("nan")
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.model_.predict(self._x(archs)).astype(np.float64)


def _fitted(name: str, seed: int, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None) -> Any:
    """A member of ``auto`` / ``blend``, found like any transfer predictor (registry name or plug-in
    path), fitted on the k samples; the sources go to members whose ``fit`` takes them."""
    return fit_on_task(load_transfer_predictor_class(name)(seed=seed), archs, y, sources)


class AutoTransferPredictor(TransferPredictor):
    """Picks among ``candidates`` by leave-one-out squared error on the k samples, then refits the
    winner on all k. Candidates are the closed-form ones (their leave-one-out error is exact and
    cheap); the choice is recorded in ``chosen_``."""

    name = "auto"

    def __init__(self, candidates: tuple[str, ...] = ("additive", "source_ridge", "additive_source", "best_source"),
                 seed: int = 0) -> None:
        super().__init__(seed)
        self.candidates = tuple(candidates)

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> AutoTransferPredictor:
        scored = []
        for name in self.candidates:
            model = _fitted(name, self.seed, archs, y, sources)
            scored.append((model.loo_mse(), name, model))
        self.loo_mse_, self.chosen_, self.model_ = min(scored, key=lambda item: (item[0], item[1]))
        self.loo_by_candidate_ = {name: mse for mse, name, _ in scored}
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.model_.predict(archs)


class BlendPredictor(TransferPredictor):
    """The plain average of ``members``' predictions (each already on the target's scale).

    Two models with different biases (the target's own op-count costs; a mix of denoised source
    devices) err on different architectures, so their mean ranks better than either. The members
    were fixed on HELP's meta-train and meta-valid devices as targets, not on the meta-test ones."""

    name = "blend"

    def __init__(self, members: tuple[str, ...] = ("additive_huber", "source_smooth"), seed: int = 0) -> None:
        super().__init__(seed)
        self.members = tuple(members)

    def _fit_members(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None) -> list[TransferPredictor]:
        return [_fitted(name, self.seed, archs, y, sources) for name in self.members]

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> BlendPredictor:
        self.archs_, self.y_, self.sources_ = archs, np.asarray(y, dtype=np.float64), sources
        self.models_ = self._fit_members(archs, self.y_, sources)
        return self

    def loo_mse(self) -> float:
        """Leave-one-out error of the blend itself (k refits of every member), so ``auto`` can weigh it."""
        errors = []
        for i in range(len(self.y_)):
            keep = np.flatnonzero(np.arange(len(self.y_)) != i)
            models = self._fit_members(self.archs_.subset(keep), self.y_[keep], self.sources_)
            held_out = self.archs_.subset(np.array([i]))
            errors.append((np.mean([m.predict(held_out)[0] for m in models]) - self.y_[i]) ** 2)
        return float(np.mean(errors))

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return np.mean([model.predict(archs) for model in self.models_], axis=0).astype(np.float64)


class PairBlendPredictor(BlendPredictor):
    """:class:`BlendPredictor` whose source member keeps each source's pairwise cost structure
    (``source_smooth_pair``). Chosen on HELP's NB201 meta-train and meta-valid devices (k = 20,
    20 draws): mean Spearman 0.9474 against ``blend``'s 0.9466. On FBNet's dev devices it is worse
    (0.7147 against 0.7234: 231 position pairs of 81 block pairs each are too many to smooth with
    5,000 architectures), so the FBNet board keeps ``blend``."""

    name = "blend_pair"

    def __init__(self, members: tuple[str, ...] = ("additive_huber", "source_smooth_pair"), seed: int = 0) -> None:
        super().__init__(members, seed)


class PretrainedSourcePredictor(TransferPredictor):
    """Pretrained on the source tables, fine-tuned on the k target labels.

    Pretraining (once per source table, cached with it): XGBoost maps the architecture features
    (``onehot+graf`` where the space has a graph, else one-hot) to the table's normal scores over
    every architecture, a smoothed view of each source that averages out its label noise (a
    12-epoch accuracy, one training seed). Fine-tuning: ridge (penalty by leave-one-out on the k)
    on [``finetune_features`` of the architecture, pretrained outputs, source normal scores] to the
    k labels' normal scores, answered on the target's scale by quantile matching.
    """

    name = "pretrained"

    def __init__(self, n_estimators: int = 400, max_depth: int = 6, learning_rate: float = 0.05,
                 finetune_features: str = "onehot", seed: int = 0) -> None:
        super().__init__(seed)
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.finetune_features = finetune_features

    def _pretrained(self) -> np.ndarray:
        key = f"pretrained|{self.n_estimators}|{self.max_depth}|{self.learning_rate}"
        src = self.sources_
        if key not in src._cache:
            import xgboost as xgb

            x = self._table_features("onehot+graf").astype(np.float32)
            outputs = []
            for column in src.normal_scores(src.ids).T:
                model = xgb.XGBRegressor(n_estimators=self.n_estimators, max_depth=self.max_depth,
                                         learning_rate=self.learning_rate, subsample=0.8, n_jobs=1,
                                         random_state=0, tree_method="hist")
                outputs.append(model.fit(x, column).predict(x))
            src._cache[key] = np.column_stack(outputs).astype(np.float64)
        return src._cache[key]

    def _table_features(self, spec: str) -> np.ndarray:
        """``spec`` features of every source architecture, computed once per source table (GRAF of
        the whole table took 0.3 s, which each fit and predict would otherwise repeat)."""
        key = f"features|{spec}"
        src = self.sources_
        if key not in src._cache:
            if src.archs is None:
                raise UsageError("the pretrained predictor needs the source tables' architectures")
            src._cache[key] = _finetune_features(src.archs, spec)
        return src._cache[key]

    def _x(self, archs: ArchBatch) -> np.ndarray:
        rows = self.sources_._rows(archs.ids)
        return np.hstack([self._table_features(self.finetune_features)[rows], self._pretrained()[rows],
                          self.sources_.normal_scores(archs.ids)])

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> PretrainedSourcePredictor:
        from predictors.targets import TargetTransform

        self.sources_ = self._sources(sources)
        self.target_ = TargetTransform("rank").fit(np.asarray(y, dtype=np.float64))
        self.model_, self.loo_mse_ = _ridge_loo(self._x(archs), self.target_.train_z)
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.target_.inverse(self.model_.predict(self._x(archs))).astype(np.float64)


class PretrainedGrafPredictor(PretrainedSourcePredictor):
    """``pretrained`` fine-tuned on one-hot + GRAF graph features (one-hot alone where the space has no graph).

    Chosen on development tasks that read no board label (``tests/perf/transfer_fidelity_dev.py``:
    12-epoch sources, NASLib's 200-epoch CIFAR-100 / ImageNet16-120 targets): at k = 100 mean
    Kendall tau 0.815 against ``pretrained``'s 0.789, and higher at k = 10 and 50 too.
    """

    name = "pretrained_graf"

    def __init__(self, n_estimators: int = 400, max_depth: int = 6, learning_rate: float = 0.05,
                 finetune_features: str = "onehot+graf", seed: int = 0) -> None:
        super().__init__(n_estimators, max_depth, learning_rate, finetune_features, seed)


class PretrainedGNNPredictor(TransferPredictor):
    """A graph network pretrained on every source table at once, its readout fine-tuned on the k.

    Pretraining (once per source table and pretraining seed, cached with it): PyG's directional GIN
    of :mod:`predictors.gnn` (mean + sum readout, MLP head) with one output per source table, fit to
    every architecture's source normal scores — FBNetV3's idea of pretraining the predictor on cheap
    proxies, here the tables already known (e.g. 12-epoch accuracies for a 200-epoch target).
    Fine-tuning: ridge (penalty by leave-one-out on the k) from [readout embedding, pretrained
    outputs, source normal scores] to the k labels' normal scores, once per pretraining seed; the
    ``n_pretrain`` fits are averaged, which steadies what one network's initialisation decides.

    Chosen on development targets that no board scores (``tests/perf/transfer_fidelity_dev.py``):
    mean Kendall tau at k = 10 / 50 / 100 of 0.735 / 0.825 / 0.839, against ``pretrained_graf``'s
    0.714 / 0.797 / 0.815. Needs a space whose architectures are graphs (``adjacency`` encoding).
    """

    name = "pretrained_gnn"

    def __init__(self, hidden: int = 64, layers: int = 3, epochs: int = 40, n_pretrain: int = 3,
                 n_threads: int | None = 1, seed: int = 0) -> None:
        super().__init__(seed)
        self.hidden = hidden
        self.layers = layers
        self.epochs = epochs
        self.n_pretrain = n_pretrain
        self.n_threads = n_threads

    def _pretrained(self, pretrain_seed: int) -> tuple[np.ndarray, np.ndarray]:
        """(standardized readout embedding, outputs) of every source architecture for one pretraining."""
        key = f"gnn|{self.hidden}|{self.layers}|{self.epochs}|{pretrain_seed}"
        src = self.sources_
        if key not in src._cache:
            from predictors.gnn import GraphTensors, _regressor
            from predictors.training import predict_in_chunks, torch_session, train_regressor

            z = src.normal_scores(src.ids)
            with torch_session(pretrain_seed, self.n_threads):
                graphs = GraphTensors(src.archs, both_ways=False)
                model = _regressor("gin", graphs.x.shape[1], self.hidden, self.layers, 0.0, 1, outputs=z.shape[1])
                train_regressor(model, lambda index: model(*graphs.select(index)), z, epochs=self.epochs,
                                batch_size=128, lr=2e-3, weight_decay=1e-4, rank_weight=0.0, seed=pretrain_seed)
                embedding = predict_in_chunks(lambda index: model.embed(*graphs.select(index)), len(z))
                outputs = predict_in_chunks(lambda index: model(*graphs.select(index)), len(z))
            mean, spread = column_scale(embedding, min_spread=1e-9)
            embedding = (embedding - mean) / spread
            src._cache[key] = (embedding, outputs.reshape(len(z), -1))
        return src._cache[key]

    def _x(self, archs: ArchBatch, pretrain_seed: int) -> np.ndarray:
        rows = self.sources_._rows(archs.ids)
        embedding, outputs = self._pretrained(pretrain_seed)
        return np.hstack([embedding[rows], outputs[rows], self.sources_.normal_scores(archs.ids)])

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> PretrainedGNNPredictor:
        from predictors.targets import TargetTransform

        self.sources_ = self._sources(sources)
        if self.sources_.archs is None:
            raise UsageError("the pretrained_gnn predictor needs the source tables' architectures")
        if "adjacency" not in archs.space.encodings:
            raise UsageError(f"pretrained_gnn needs architectures that are graphs; space {archs.space.name!r} "
                             "has no adjacency encoding (use pretrained)")
        if self.n_pretrain < 1:
            raise UsageError(f"pretrained_gnn needs n_pretrain >= 1, got {self.n_pretrain}")
        self.target_ = TargetTransform("rank").fit(np.asarray(y, dtype=np.float64))
        fits = [_ridge_loo(self._x(archs, s), self.target_.train_z) for s in range(self.n_pretrain)]
        self.models_ = [model for model, _ in fits]
        self.loo_mse_ = float(np.mean([mse for _, mse in fits]))
        return self

    def _readout(self, archs: ArchBatch) -> np.ndarray:
        """The fitted readouts' mean, in the normal scores of the k labels."""
        return np.mean([m.predict(self._x(archs, s)) for s, m in enumerate(self.models_)], axis=0)

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.target_.inverse(self._readout(archs)).astype(np.float64)


def _graph_spec(archs: ArchBatch, spec: str) -> str:
    """``spec`` without its ``graf`` part where the space offers no graph (no ``adjacency`` encoding)."""
    return spec if "adjacency" in archs.space.encodings else "+".join(t for t in spec.split("+") if t != "graf")


def _finetune_features(archs: ArchBatch, spec: str) -> np.ndarray:
    from predictors.features import feature_matrix

    return np.asarray(feature_matrix(archs, _graph_spec(archs, spec)), dtype=np.float64)


class PretrainedGNNMixPredictor(PretrainedGNNPredictor):
    """``pretrained_gnn``'s fine-tuned readout mixed with an XGBoost trained from scratch on the k,
    the mixing weight chosen by cross-validation on the k labels only.

    Where the sources say little about the target (NAS-Bench-Graph datasets whose rankings agree
    with Kendall tau 0.02-0.45), a model of the target's own architecture features can rank as well
    as the transferred one, and their errors differ; where the sources say much (12 -> 200 epochs),
    the transferred readout should keep the weight. ``weights`` are tried on out-of-fold predictions
    (``folds``-fold, both models refit per fold, in the normal scores of the k labels) and the one
    with the best out-of-fold Kendall tau is used (ties: the one nearest an even mix; at most
    ``max_cv`` of the k take part, so a ceiling run stays cheap); the choice is kept in ``weight_``
    and the scores in ``cv_kendall_``. Below ``min_k`` labels the out-of-fold scores are too noisy to
    choose by (their standard error exceeds the gaps between weights) and the transferred readout is
    used alone. Shares ``pretrained_gnn``'s pretraining.
    """

    name = "pretrained_gnn_mix"

    def __init__(self, hidden: int = 64, layers: int = 3, epochs: int = 40, n_pretrain: int = 3,
                 weights: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0), folds: int = 5, min_k: int = 50,
                 max_cv: int = 1000, n_threads: int | None = 1, seed: int = 0) -> None:
        super().__init__(hidden=hidden, layers=layers, epochs=epochs, n_pretrain=n_pretrain,
                         n_threads=n_threads, seed=seed)
        self.weights = tuple(weights)
        self.folds = folds
        self.min_k = min_k
        self.max_cv = max_cv

    def _scratch(self, archs: ArchBatch, y: np.ndarray) -> Any:
        return load_transfer_predictor_class("xgb")(seed=self.seed).fit(archs, y)

    def _readout_z(self, x_fit: list[np.ndarray], z: np.ndarray, x_eval: list[np.ndarray]) -> np.ndarray:
        return np.mean([_ridge_loo(xf, z)[0].predict(xe) for xf, xe in zip(x_fit, x_eval, strict=True)], axis=0)

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> PretrainedGNNMixPredictor:
        from scipy.stats import kendalltau

        if not self.weights or any(not 0.0 <= w <= 1.0 for w in self.weights):
            raise UsageError(f"pretrained_gnn_mix weights must lie in [0, 1], got {self.weights}")
        if self.folds < 2 or self.max_cv < 2:
            raise UsageError(f"pretrained_gnn_mix needs folds >= 2 and max_cv >= 2, got {self.folds}, {self.max_cv}")
        super().fit(archs, y, sources=sources)
        if len(y) < self.min_k:  # out-of-fold Kendall on so few labels is mostly noise: keep the transfer
            self.weight_, self.cv_kendall_, self.scratch_ = 1.0, {}, None
            return self
        y = np.asarray(y, dtype=np.float64)
        z = self.target_.train_z
        xs = [self._x(archs, s) for s in range(self.n_pretrain)]
        rng = np.random.default_rng(self.seed)
        # the weight is one number: on a large k (a ceiling run) a sample of the k chooses it as well
        cv = np.sort(rng.choice(len(y), self.max_cv, replace=False)) if len(y) > self.max_cv else np.arange(len(y))
        n = len(cv)
        fold_of = rng.permutation(n) % min(self.folds, n)
        oof_gnn, oof_scratch = np.empty(n), np.empty(n)
        for f in np.unique(fold_of):
            fit_rows, held = cv[fold_of != f], cv[fold_of == f]
            at = np.flatnonzero(fold_of == f)
            oof_gnn[at] = self._readout_z([x[fit_rows] for x in xs], z[fit_rows], [x[held] for x in xs])
            scratch = self._scratch(archs.subset(fit_rows), y[fit_rows])
            held_pred = np.asarray(scratch.predict(archs.subset(held)), dtype=np.float64)
            oof_scratch[at] = self.target_.transform(held_pred)
        self.cv_kendall_ = {}
        for w in self.weights:
            tau = kendalltau(w * oof_gnn + (1 - w) * oof_scratch, z[cv]).statistic
            self.cv_kendall_[w] = float(tau) if np.isfinite(tau) else -1.0
        self.weight_ = max(self.weights, key=lambda w: (self.cv_kendall_[w], -abs(w - 0.5), w))
        mix = self.weight_ * oof_gnn + (1 - self.weight_) * oof_scratch
        self.loo_mse_ = float(np.mean((mix - z[cv]) ** 2))
        self.scratch_ = self._scratch(archs, y) if self.weight_ < 1 else None
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        z = self._readout(archs)
        if self.scratch_ is not None:
            scratch = self.target_.transform(np.asarray(self.scratch_.predict(archs), dtype=np.float64))
            z = self.weight_ * z + (1 - self.weight_) * scratch
        return self.target_.inverse(z).astype(np.float64)
