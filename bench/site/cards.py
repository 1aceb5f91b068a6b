"""The dataset card shown on a board page: the checkout's hand-written card, else the card written at import.

Hand-written cards (``datasets/*.md``) name what they cover in their title, e.g. ``# Dataset card:
`{nb201, fbnet, ofa}-latency/help``` or ``nasbench-graph/<dataset>``; that title is expanded into
patterns. A benchmark no hand-written card covers gets the card ``archbench import`` wrote beside
its store file (``<data dir>/<family>/<dataset>.md``), which may hold a user's own card fields.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from markupsafe import Markup

from bench.site.markdown import render

_TITLE = re.compile(r"^#\s*Dataset card:\s*`([^`]+)`", re.MULTILINE)


@dataclass(frozen=True)
class Card:
    html: Markup
    source: str


def _expand(pattern: str) -> list[str]:
    """``{nb201, fbnet}-latency/help`` -> both names; ``<dataset>`` and ``*`` match any dataset."""
    parts = re.split(r"\{([^}]*)\}", pattern)
    choices = [[p] if i % 2 == 0 else [c.strip() for c in p.split(",")] for i, p in enumerate(parts)]
    return [re.sub(r"<[^>]*>", "*", "".join(combo)) for combo in itertools.product(*choices)]


def covered(card_text: str) -> list[str]:
    """The benchmark patterns a hand-written card's title names (none if it is not a dataset card)."""
    m = _TITLE.search(card_text)
    return _expand(m.group(1)) if m else []


class CardFinder:
    """Looks up cards in ``cards_dir`` (hand-written) and ``data_dir`` (written at import); either may be absent."""

    def __init__(self, cards_dir: Path | None, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self.cards: list[tuple[Path, str, list[str]]] = []
        if cards_dir is not None and cards_dir.is_dir():
            for path in sorted(cards_dir.glob("*.md")):
                text = path.read_text(encoding="utf-8")
                if covered(text):
                    self.cards.append((path, text, covered(text)))
        self._rendered: dict[Path, Card] = {}
        # what a page says was searched: the data directory by its role, not this machine's path, so
        # committed pages do not change with whoever rebuilt them
        places = [str(cards_dir) if cards_dir is not None else "",
                  "the data directory (ARCHBENCH_DATA)" if data_dir is not None else ""]
        self.places = ", ".join(p for p in places if p) or "nowhere"

    def find(self, benchmark: str) -> Card | None:
        for path, text, patterns in self.cards:
            if any(fnmatchcase(benchmark, p) for p in patterns):
                return self._render(path, text, f"the repository card {path.name}")
        if self.data_dir is not None:
            path = self.data_dir / f"{benchmark}.md"
            if path.is_file():
                return self._render(path, path.read_text(encoding="utf-8"),
                                    f"the card written at import ({benchmark}.md in the data directory)")
        return None

    def _render(self, path: Path, text: str, source: str) -> Card:
        """A card rendered once per file (a family's boards share it); its relative links are not kept,
        as the page is not beside the card."""
        if path not in self._rendered:
            self._rendered[path] = Card(render(text, rewrite=lambda href: None), source)
        return self._rendered[path]
