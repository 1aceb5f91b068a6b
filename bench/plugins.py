"""Loading a class by registry name, ``package.module:Class`` or ``path/to/file.py:Class``.

Predictors and search algorithms plug in the same way, so a user's own method runs without
editing ArchBench; every failure is a one-line UsageError that names the file and the reason.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType

from bench.errors import UsageError


def load_class(spec: str, registry: Mapping[str, str], kind: str, methods: Iterable[str]) -> type:
    """The class ``spec`` names; ``kind`` words the errors, ``methods`` are the ones it must have."""
    methods = tuple(methods)
    if spec in registry:
        spec = registry[spec]
    elif ":" not in spec:
        close = difflib.get_close_matches(spec, list(registry), n=3, cutoff=0.5)
        known = ", ".join(sorted(registry)) or "none registered"
        hint = f"did you mean {' or '.join(map(repr, close))}?" if close else f"known: {known}"
        raise UsageError(f"unknown {kind} {spec!r}; {hint} (or give path/to/file.py:ClassName)")
    target, _, cls_name = spec.rpartition(":")
    module = _import_target(target, kind)
    cls = getattr(module, cls_name, None)
    if cls is None:
        raise UsageError(f"{target!r} has no class {cls_name!r}")
    if not isinstance(cls, type) or any(not callable(getattr(cls, m, None)) for m in methods):
        raise UsageError(f"{spec!r} is not a {kind} (needs {' and '.join(methods)} methods)")
    return cls


def _import_target(target: str, kind: str) -> ModuleType:
    """The module ``target`` names: ``path/to/file.py`` (loaded once per path) or ``package.module``."""
    try:
        if target.endswith(".py"):
            path = Path(target)
            if not path.is_file():
                raise UsageError(f"{kind} file {target!r} does not exist")
            digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
            mod_name = f"archbench_plugin_{path.stem}_{digest}"
            module = sys.modules.get(mod_name)
            if module is None:
                mod_spec = importlib.util.spec_from_file_location(mod_name, path)
                module = importlib.util.module_from_spec(mod_spec)  # type: ignore[arg-type]
                sys.modules[mod_name] = module
                try:
                    mod_spec.loader.exec_module(module)  # type: ignore[union-attr]
                except BaseException:
                    sys.modules.pop(mod_name, None)
                    raise
        else:
            module = importlib.import_module(target)
    except UsageError:
        raise
    except Exception as exc:  # a user's file that fails to import: say which and why, in one line
        raise UsageError(f"cannot import {kind} from {target!r}: {type(exc).__name__}: {exc}") from None
    return module


def load_object(spec: str, kind: str) -> object:
    """The object ``file.py:name`` or ``package.module:name`` names (e.g. a network-builder function)."""
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise UsageError(f"{kind} {spec!r} must look like path/to/file.py:name or package.module:name")
    obj = getattr(_import_target(target, kind), attr, None)
    if obj is None:
        raise UsageError(f"{target!r} has no {attr!r} ({kind})")
    return obj
