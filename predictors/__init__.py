"""Performance predictors, one module per family, found by registry name or by ``path.py:Class``."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from bench.errors import UsageError
from predictors.base import ArchBatch, Predictor

__all__ = ["ArchBatch", "Predictor", "REGISTRY", "get_predictor", "load_predictor_class"]

#: registry name -> "module:Class" (imported lazily so torch loads only when a GNN is used)
REGISTRY: dict[str, str] = {}


def load_predictor_class(spec: str) -> type[Predictor]:
    """A predictor class from a registry name, ``package.module:Class`` or ``path/to/file.py:Class``."""
    if spec in REGISTRY:
        spec = REGISTRY[spec]
    elif ":" not in spec:
        import difflib

        close = difflib.get_close_matches(spec, list(REGISTRY), n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(map(repr, close))}?" if close else f"known: {', '.join(sorted(REGISTRY))}"
        raise UsageError(f"unknown predictor {spec!r}; {hint} (or give path/to/file.py:ClassName)")
    target, _, cls_name = spec.rpartition(":")
    try:
        if target.endswith(".py"):
            path = Path(target)
            if not path.is_file():
                raise UsageError(f"predictor file {target!r} does not exist")
            mod_name = f"archbench_user_{path.stem}_{abs(hash(str(path.resolve())))}"
            mod_spec = importlib.util.spec_from_file_location(mod_name, path)
            module = importlib.util.module_from_spec(mod_spec)  # type: ignore[arg-type]
            sys.modules[mod_name] = module
            mod_spec.loader.exec_module(module)  # type: ignore[union-attr]
        else:
            module = importlib.import_module(target)
    except UsageError:
        raise
    except Exception as exc:  # a user's file that fails to import: say which and why, in one line
        raise UsageError(f"cannot import predictor from {target!r}: {type(exc).__name__}: {exc}") from None
    cls = getattr(module, cls_name, None)
    if cls is None:
        raise UsageError(f"{target!r} has no class {cls_name!r}")
    missing = [m for m in ("fit", "predict") if not callable(getattr(cls, m, None))]
    if missing or not isinstance(cls, type):
        raise UsageError(f"{spec!r} is not a predictor (needs fit and predict methods)")
    return cls


def get_predictor(spec: str, **params: Any) -> Predictor:
    """Instantiate a predictor by name or path with the given hyperparameters."""
    return load_predictor_class(spec)(**params)
