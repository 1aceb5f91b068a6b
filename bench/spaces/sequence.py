"""A generic fixed-length sequence space: one categorical choice per position.

This covers macro search spaces where an architecture is a list of per-layer decisions, e.g.
NAS-Bench-Macro (8 layers x 3 blocks), FBNet (22 layers x 9 blocks) or Once-for-All (kernel sizes,
expand ratios, depths and resolution). Position ``i`` offers ``choices[i]``, a list of string tokens.

Forms of an architecture
------------------------
* ``codes`` -- ``int16`` rows holding the choice index at each position.
* ``string`` -- the tokens joined by single spaces, e.g. ``"k5_e6 skip k3_e1_g2 ..."``. :meth:`parse`
  also reads any whitespace, a JSON list of tokens (``'["k5_e6", "skip", ...]'``; JSON numbers are
  matched by their JSON text, so ``[3, 5]`` reads tokens ``"3"`` and ``"5"``) and a list/tuple.
* ``id`` -- when the space has fewer than ``2**62`` architectures, the mixed-radix number of the
  code row (first position most significant), so ids are dense and :meth:`from_ids` inverts them.
  Larger spaces (FBNet has ``9**22``) use a stable 63-bit hash instead: the first 8 bytes of the
  BLAKE2b digest of the row's little-endian ``int16`` bytes, read little-endian, top bit cleared.
  Hashed ids cannot be inverted; benchmarks store each architecture's codes, so look-ups through
  :class:`bench.benchmark.Benchmark` still work. :attr:`SequenceSpace.hashed_ids` says which applies.

Every code row is its own canonical form: positions are not interchangeable in general.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.spaces.base import InvalidArchitecture, SearchSpace, as_code_array

#: ids are a mixed-radix number when the space is smaller than this, else a 63-bit hash
DENSE_ID_LIMIT = 2**62
#: :meth:`SequenceSpace.all_codes` refuses spaces with more architectures than this
ALL_CODES_LIMIT = 2**22
_MASK_63 = (1 << 63) - 1


def hash_rows(codes: np.ndarray) -> np.ndarray:
    """Stable 63-bit ids of code rows: BLAKE2b (8-byte digest) of each row's little-endian int16 bytes."""
    rows = np.ascontiguousarray(codes, dtype="<i2")
    out = np.empty(len(rows), dtype=np.int64)
    for i, row in enumerate(rows):
        digest = hashlib.blake2b(row.tobytes(), digest_size=8).digest()
        out[i] = int.from_bytes(digest, "little") & _MASK_63
    return out


@dataclass(frozen=True)
class SequenceArch:
    """One architecture as its tokens, for users who prefer attributes to arrays (``str()`` = string form)."""

    tokens: tuple[str, ...]
    codes: tuple[int, ...]
    id: int

    def __str__(self) -> str:
        return " ".join(self.tokens)


class SequenceSpace(SearchSpace):
    """Fixed-length categorical choices per position; see the module docstring for the forms.

    Parameters
    ----------
    choices:
        One list of tokens per position (strings without whitespace, unique within a position;
        ints are accepted and stored as their decimal text).
    position_names:
        Optional name per position (e.g. ``"layer3"`` or ``"ks[4]"``), used in error messages.
    """

    name = "sequence"

    def __init__(self, choices: Sequence[Sequence[str]], position_names: Sequence[str] | None = None) -> None:
        if isinstance(choices, str) or not len(choices):
            raise ValueError("choices must be a non-empty list with one list of tokens per position")
        self.choices: tuple[tuple[str, ...], ...] = tuple(
            self._check_position(i, options) for i, options in enumerate(choices)
        )
        if position_names is not None:
            names = tuple(str(p) for p in position_names)
            if len(names) != len(self.choices):
                raise ValueError(f"{len(names)} position names for {len(self.choices)} positions")
            if len(set(names)) != len(names):
                raise ValueError("position names must be unique")
            self.position_names: tuple[str, ...] | None = names
        else:
            self.position_names = None
        self.code_length = len(self.choices)
        self.counts = np.array([len(c) for c in self.choices], dtype=np.int64)
        self.size = math.prod(len(c) for c in self.choices)
        self.hashed_ids = self.size >= DENSE_ID_LIMIT
        # place value of each position in the mixed-radix id (first position most significant)
        self._place = None
        if not self.hashed_ids:
            tails = [math.prod(len(c) for c in self.choices[i + 1 :]) for i in range(self.code_length)]
            self._place = np.array(tails, dtype=np.int64)
        self._offsets = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
        self._index = [{t: j for j, t in enumerate(c)} for c in self.choices]
        vocabulary: dict[str, int] = {}
        for c in self.choices:
            for t in c:
                vocabulary.setdefault(t, len(vocabulary))
        #: every distinct token, in order of first appearance (position-major)
        self.vocabulary: tuple[str, ...] = tuple(vocabulary)
        #: node-type vocabulary of the ``adjacency`` ops and the ``graph`` one-hot features
        self.node_types: tuple[str, ...] = ("input", "output", *self.vocabulary)
        # node type of (position, choice), flattened like the one-hot encoding
        self._node_type = np.array([2 + vocabulary[t] for c in self.choices for t in c], dtype=np.int64)

    @classmethod
    def uniform(
        cls, length: int, options: Sequence[str], position_names: Sequence[str] | None = None
    ) -> SequenceSpace:
        """A space of ``length`` positions that all offer the same ``options`` (FBNet: 22 x 9 blocks)."""
        if length < 1:
            raise ValueError(f"length must be at least 1, got {length}")
        return cls([list(options)] * int(length), position_names)

    @staticmethod
    def _check_position(i: int, options: Sequence[str]) -> tuple[str, ...]:
        if isinstance(options, str):
            raise ValueError(f"choices of position {i} must be a list of tokens, got the string {options!r}")
        tokens = []
        for t in options:
            if isinstance(t, (bool, np.bool_)) or not isinstance(t, (str, int, np.integer)):
                raise ValueError(f"position {i}: choice {t!r} must be a string (or an int)")
            t = str(t)
            if not t or any(ch.isspace() for ch in t):
                raise ValueError(f"position {i}: choice {t!r} must be non-empty and contain no whitespace")
            if t.startswith("["):
                raise ValueError(f"position {i}: choice {t!r} must not start with '[' (that marks a JSON list)")
            tokens.append(t)
        if not tokens:
            raise ValueError(f"position {i} has no choices")
        if len(set(tokens)) != len(tokens):
            dup = next(t for t in tokens if tokens.count(t) > 1)
            raise ValueError(f"position {i} lists choice {dup!r} twice")
        if len(tokens) > np.iinfo(np.int16).max:
            raise ValueError(f"position {i} has {len(tokens)} choices; at most {np.iinfo(np.int16).max} fit a code")
        return tuple(tokens)

    def config(self) -> dict[str, Any]:
        return {
            "choices": [list(c) for c in self.choices],
            "position_names": list(self.position_names) if self.position_names is not None else None,
        }

    def __repr__(self) -> str:
        return f"SequenceSpace({self.code_length} positions, {self.size:.4g} architectures)"

    def _where(self, i: int) -> str:
        """``position 3`` or ``position 3 ('layer3')`` for messages."""
        return f"position {i}" + (f" ({self.position_names[i]!r})" if self.position_names is not None else "")

    # ---- parsing and conversions -------------------------------------------------------------
    def _tokens(self, arch: str | Sequence[Any]) -> list[str]:
        if isinstance(arch, str):
            text = arch.strip()
            if text.startswith("["):
                try:
                    arch = json.loads(text)
                except json.JSONDecodeError as e:
                    raise InvalidArchitecture(f"cannot read {text!r} as a JSON list of tokens: {e.msg}") from None
                if not isinstance(arch, list):
                    raise InvalidArchitecture(f"expected a JSON list of tokens, got {text!r}")
            else:
                return text.split()
        if not isinstance(arch, (list, tuple)):
            raise InvalidArchitecture(f"cannot read {arch!r} as a sequence architecture (a string or token list)")
        tokens = []
        for i, t in enumerate(arch):
            if isinstance(t, str):
                tokens.append(t)
            elif isinstance(t, (int, float, np.integer, np.floating)) and not isinstance(t, (bool, np.bool_)):
                tokens.append(json.dumps(t.item() if isinstance(t, np.generic) else t))
            else:
                raise InvalidArchitecture(f"{self._where(i)}: token {t!r} is not a string or number")
        return tokens

    def parse(self, text: str | Sequence[Any]) -> np.ndarray:
        """Code row of a space-separated string, a JSON list of tokens, or a list/tuple of tokens."""
        tokens = self._tokens(text)
        if len(tokens) != self.code_length:
            hint = (
                " (a list of token strings is read as a batch of architectures; pass one architecture as a "
                "space-separated string or a list inside a list)"
                if len(tokens) == 1 and self.code_length > 1
                else ""
            )
            raise InvalidArchitecture(
                f"expected {self.code_length} choices (one per position), got {len(tokens)}{hint}"
            )
        row = np.empty(self.code_length, dtype=np.int16)
        for i, t in enumerate(tokens):
            j = self._index[i].get(t)
            if j is None:
                raise InvalidArchitecture(
                    f"{self._where(i)}: unknown choice {t!r}; valid: {', '.join(self.choices[i])}"
                )
            row[i] = j
        return row

    def to_strings(self, codes: np.ndarray) -> list[str]:
        """Tokens joined by single spaces."""
        codes = self.validate(codes)
        cols = [np.asarray(c, dtype=object)[codes[:, i]] for i, c in enumerate(self.choices)]
        return [" ".join(tokens) for tokens in zip(*cols, strict=True)] if len(codes) else []

    def to_ids(self, codes: np.ndarray) -> np.ndarray:
        """Mixed-radix numbers, or 63-bit BLAKE2b hashes for spaces of ``2**62`` or more architectures."""
        codes = self.validate(codes)
        if self.hashed_ids:
            return hash_rows(codes)
        return codes.astype(np.int64) @ self._place

    def from_ids(self, ids: np.ndarray) -> np.ndarray:
        """Code rows of mixed-radix ids; hashed ids cannot be inverted (InvalidArchitecture)."""
        ids = np.asarray(ids)
        if ids.ndim == 0:
            ids = ids[None]
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise InvalidArchitecture(f"{self.name} ids must be integers, got {ids.dtype}")
        ids = ids.astype(np.int64, copy=False).ravel()
        if self.hashed_ids:
            raise InvalidArchitecture(
                f"ids of this sequence space ({self.size:.3g} architectures) are 63-bit hashes of the codes and "
                "cannot be turned back into architectures; take codes from a benchmark or parse strings"
            )
        bad = (ids < 0) | (ids >= self.size)
        if bad.any():
            raise InvalidArchitecture(f"unknown {self.name} id {int(ids[bad][0])}; valid ids are 0..{self.size - 1}")
        return ((ids[:, None] // self._place[None, :]) % self.counts[None, :]).astype(np.int16)

    def validate(self, codes: np.ndarray) -> np.ndarray:
        """Check the row width and that every code indexes its position's choices."""
        arr = as_code_array(codes, self.code_length, self.name)
        bad = (arr < 0) | (arr >= self.counts[None, :])
        if bad.any():
            r, i = (int(x) for x in np.argwhere(bad)[0])
            raise InvalidArchitecture(
                f"{self.name} row {r}: {self._where(i)} has choice index {int(arr[r, i])}; "
                f"valid 0..{self.counts[i] - 1} ({', '.join(self.choices[i])})"
            )
        return arr

    def to_codes(self, archs: Any) -> np.ndarray:
        """Like :meth:`SearchSpace.to_codes`; a list/tuple inside a batch is one architecture's tokens."""
        if isinstance(archs, (list, tuple)) and any(isinstance(a, (list, tuple)) for a in archs):
            rows = []
            for a in archs:
                rows.append(self.parse(a) if isinstance(a, (list, tuple, str)) else super().to_codes([a])[0])
            return self.validate(np.stack(rows))
        return super().to_codes(archs)

    def all_codes(self) -> np.ndarray:
        """Every architecture, ordered by id (only for spaces of at most :data:`ALL_CODES_LIMIT`)."""
        if self.size > ALL_CODES_LIMIT:
            raise ValueError(
                f"this sequence space has {self.size:.3g} architectures; all_codes() enumerates at most "
                f"{ALL_CODES_LIMIT:,} (use sample())"
            )
        return self.from_ids(np.arange(self.size, dtype=np.int64))

    # ---- object form ---------------------------------------------------------------------------
    def arch(self, arch: str | Sequence[Any] | int) -> SequenceArch:
        """``space.arch("k5_e6 skip ...")``, ``space.arch(["k5_e6", ...])`` or ``space.arch(id)``."""
        if isinstance(arch, (int, np.integer)) and not isinstance(arch, bool):
            row = self.from_ids(np.array([arch]))[0]
        else:
            row = self.parse(arch)
        codes = tuple(int(c) for c in row)
        tokens = tuple(self.choices[i][c] for i, c in enumerate(codes))
        return SequenceArch(tokens=tokens, codes=codes, id=int(self.to_ids(row)[0]))

    # ---- sampling and mutation -----------------------------------------------------------------
    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Uniform over the space: an independent uniform choice per position."""
        return rng.integers(0, self.counts, size=(int(n), self.code_length)).astype(np.int16)

    def neighbours(self, code: np.ndarray) -> np.ndarray:
        """Every architecture that differs at exactly one position (position-major, choices ascending)."""
        row = self.validate(code)
        if len(row) != 1:
            raise InvalidArchitecture(f"neighbours takes one {self.name} architecture, got {len(row)}")
        row = row[0]
        position = np.repeat(np.arange(self.code_length), self.counts - 1)
        # the k-th alternative at a position skips the current choice
        alt = np.arange(len(position)) - np.repeat(np.cumsum(self.counts - 1) - (self.counts - 1), self.counts - 1)
        alt = alt + (alt >= row[position])
        out = np.repeat(row[None, :], len(position), axis=0)
        out[np.arange(len(position)), position] = alt
        return out

    def mutate(self, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniform neighbour per row, vectorized: a position drawn in proportion to its number of
        alternatives gets a uniform different choice."""
        codes = self.validate(codes)
        weights = (self.counts - 1).astype(np.float64)
        if weights.sum() == 0:
            raise InvalidArchitecture("every position has a single choice; no architecture has a neighbour")
        n = len(codes)
        position = rng.choice(self.code_length, size=n, p=weights / weights.sum())
        offset = rng.integers(1, self.counts[position], size=n) if n else np.zeros(0, dtype=np.int64)
        out = codes.copy()
        rows = np.arange(n)
        out[rows, position] = (codes[rows, position] + offset) % self.counts[position]
        return out

    # ---- encodings -----------------------------------------------------------------------------
    def encode(self, codes: np.ndarray, kind: str) -> Any:
        """Encodings of a batch.

        * ``onehot`` -- float32 ``(n, sum of choice counts)``: one block per position, concatenated.
        * ``path`` -- identical to ``onehot``: the chain graph below has a single input->output path,
          and its BANANAS path feature is exactly the sequence of choices.
        * ``adjacency`` -- ``{"adjacency": (n, L+2, L+2) float32, "ops": (n, L+2) int64}``: a chain
          input -> one node per position -> output; ``ops`` indexes :attr:`node_types` (``input``,
          ``output``, then :attr:`vocabulary`), so equal tokens at different positions share a type.
        * ``graph`` -- list of ``torch_geometric.data.Data`` of that chain (one-hot ``x`` over
          :attr:`node_types`, forward ``edge_index``).
        """
        self.check_encoding(kind)
        codes = self.validate(codes)
        n, length = codes.shape
        if kind in ("onehot", "path"):
            out = np.zeros((n, int(self.counts.sum())), dtype=np.float32)
            out[np.arange(n)[:, None], self._offsets[None, :] + codes] = 1.0
            return out
        v = length + 2
        ops = np.empty((n, v), dtype=np.int64)
        ops[:, 0], ops[:, -1] = 0, 1
        ops[:, 1:-1] = self._node_type[self._offsets[None, :] + codes]
        if kind == "adjacency":
            adj = np.zeros((v, v), dtype=np.float32)
            adj[np.arange(v - 1), np.arange(1, v)] = 1.0
            return {"adjacency": np.broadcast_to(adj, (n, v, v)).copy(), "ops": ops}
        import torch
        from torch_geometric.data import Data

        edge_index = torch.stack([torch.arange(v - 1), torch.arange(1, v)])
        x = np.zeros((n, v, len(self.node_types)), dtype=np.float32)
        x[np.arange(n)[:, None], np.arange(v)[None, :], ops] = 1.0
        xs = torch.unbind(torch.from_numpy(x))
        return [Data(x=xs[i].clone(), edge_index=edge_index.clone()) for i in range(n)]
