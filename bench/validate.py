"""Checks at the public boundary: turn user input into typed values or raise an ArchBench error.

Validating once here keeps the look-up code free of checks and stops silent misreads: ``True`` is
not id 1, ``b"12"`` is not the ids 49 and 50, ``3.7`` is not id 3 and an id beyond int64 is not a
numpy ``OverflowError``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from bench.errors import InvalidArchitecture, InvalidType, UsageError

_INT64 = np.iinfo(np.int64)
_BYTES = (bytes, bytearray, memoryview)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_int(value: Any) -> bool:
    """A Python or numpy integer that is not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_int(value: Any, what: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an int within [minimum, maximum]; bools, floats and strings are refused."""
    if not is_int(value):
        raise InvalidType(f"{what} must be an integer, got {type(value).__name__} {_short(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise UsageError(f"{what} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise UsageError(f"{what} must be at most {maximum:,}, got {value}")
    return value


def check_bool(value: Any, what: str) -> bool:
    """A real bool (``"no"`` is a truthy string, not False)."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidType(f"{what} must be True or False, got {type(value).__name__} {_short(value)}")
    return bool(value)


def check_str(value: Any, what: str, choices: tuple[str, ...] | None = None) -> str:
    """A non-empty str (one of ``choices`` if given)."""
    if not isinstance(value, str):
        raise InvalidType(f"{what} must be a string, got {type(value).__name__} {_short(value)}")
    if not value.strip() or "\x00" in value:
        raise UsageError(f"{what} must be a non-empty string without NUL characters, got {value!r}")
    if choices is not None and value not in choices:
        raise UsageError(f"{what} must be one of {', '.join(choices)}, got {value!r}")
    return value


def check_dir(value: Any, what: str) -> Path:
    """A directory path that is not empty and is not an existing non-directory (a file, ``/dev/null``)."""
    if not isinstance(value, (str, os.PathLike)):
        raise InvalidType(f"{what} must be a path, got {type(value).__name__} {_short(value)}")
    text = os.fspath(value)
    if isinstance(text, bytes):
        raise InvalidType(f"{what} must be a str path, got bytes {_short(text)}")
    if not text.strip():
        raise UsageError(f"{what} must not be empty (give '.' for the current directory)")
    if "\x00" in text:
        raise UsageError(f"{what} contains a NUL character: {text!r}")
    path = Path(text).expanduser()
    for p in (path, *path.parents):
        try:
            if p.exists() and not p.is_dir():
                raise UsageError(f"{what} {text!r}: {p} exists and is not a directory")
        except OSError as exc:  # e.g. a name too long for the file system
            raise UsageError(f"{what} {text!r}: {exc.strerror or exc}") from None
    return path


def _id_scalar(value: Any) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise InvalidType(f"{value!r} is a bool, not an architecture id")
    v = int(value)
    if not _INT64.min <= v <= _INT64.max:
        raise InvalidArchitecture(f"id {v} is outside the int64 range of architecture ids")
    return v


def id_array(archs: Any) -> np.ndarray | None:
    """``archs`` as a 1-D int64 id array when it is an id or a batch of ids, None for other forms
    (strings, objects, code arrays); bools, bytes, floats and ids beyond int64 are refused."""
    if archs is None:
        raise InvalidType("architectures must be ids, strings, architecture objects or a code array, got None")
    if isinstance(archs, _BYTES):
        raise InvalidType(f"architectures must not be bytes ({_short(archs)}); decode them to str first")
    if isinstance(archs, (float, np.floating, complex)):
        raise InvalidType(f"architecture ids are integers, got {type(archs).__name__} {archs!r}")
    if isinstance(archs, (bool, np.bool_)) or is_int(archs):
        return np.array([_id_scalar(archs)], dtype=np.int64)
    if isinstance(archs, np.ndarray):
        kind = archs.dtype.kind
        if kind == "b":
            raise InvalidType("a boolean array is not a batch of architecture ids (use ids[mask] to select)")
        if kind in "fc" and archs.ndim <= 1:
            raise InvalidType(f"architecture ids are integers, got an array of {archs.dtype}")
        if kind in "iu" and archs.ndim <= 1:
            if kind == "u" and archs.size and archs.max() > _INT64.max:
                raise InvalidArchitecture(f"id {int(archs.max())} is outside the int64 range of architecture ids")
            return archs.astype(np.int64, copy=False).reshape(-1)
        if archs.ndim > 2:
            raise InvalidArchitecture(f"expected ids (1-D) or code rows (2-D), got an array of shape {archs.shape}")
        return None
    if isinstance(archs, (list, tuple)) and archs and all(is_int(a) or isinstance(a, np.bool_) for a in archs):
        return np.array([_id_scalar(a) for a in archs], dtype=np.int64)
    if isinstance(archs, (list, tuple)) and any(isinstance(a, (bool, *_BYTES)) for a in archs):
        bad = next(a for a in archs if isinstance(a, (bool, *_BYTES)))
        raise InvalidType(f"{bad!r} is a {type(bad).__name__}, not an architecture (an id, string or object)")
    return None


def check_ids(ids: Any) -> np.ndarray:
    """A 1-D int64 array of ids, or an ArchBench error (for functions that take ids only)."""
    arr = id_array(ids)
    if arr is None:
        raise InvalidType(f"expected architecture ids (integers), got {type(ids).__name__} {_short(ids)}")
    return arr
