"""What the site shows, read from a leaderboard folder: boards grouped by family, latency settings, search and
transfer boards.

Everything comes from files already under the folder (board CSVs, search ``summary.csv``/``.md``, the
rank page), so the site can be rebuilt from committed CSVs without stored results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

#: landing-page sections, in order: (title, families whose boards it lists)
NAMED_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("NAS-Bench-Graph", ("nasbench-graph",)),
    ("NAS-Bench-201", ("nb201", "nb201-12ep", "nb201-analog")),
    ("Latency · NB201 (HELP)", ("nb201-latency",)),
    ("Latency · FBNet (HELP)", ("fbnet-latency",)),
    ("Latency · OFA (HELP)", ("ofa-latency",)),
)
#: NASLib zero-cost boards are split by the search space their dataset name starts with
NASLIB_FAMILY = "naslib-zc"
_NASLIB_SUBSET = re.compile(r"(tnb101-(?:macro|micro)|nb\d+)")
IMPORTED = "Imported tables"


@dataclass(frozen=True)
class BoardFile:
    """One predictor board: its CSV (as read) and where its page goes."""

    csv: Path
    rel: str  # path of the CSV relative to the site root, without ``.csv``
    frame: pd.DataFrame

    @property
    def benchmark(self) -> str:
        return str(self.frame["benchmark"].iloc[0])

    @property
    def target(self) -> str:
        return str(self.frame["target"].iloc[0])

    @cached_property
    def labelled(self) -> pd.DataFrame:
        """The board with its display label per line (predictor plus the parameters that tell configs apart)."""
        from bench.leaderboard import _labels

        return self.frame.assign(label=_labels(self.frame))

    @cached_property
    def largest(self) -> pd.DataFrame:
        """The lines at the board's largest training-set size, best first."""
        s = self.labelled
        return s[s["train_size"] == s["train_size"].max()].sort_values("rank", kind="stable")

    @property
    def family(self) -> str:
        """The folder the board lives in (its family page goes there)."""
        return self.rel.split("/")[0]


def group_title(board: BoardFile) -> str:
    """The landing-page section of a board."""
    if board.family == NASLIB_FAMILY:
        dataset = board.rel.split("/")[1] if "/" in board.rel else board.benchmark
        m = _NASLIB_SUBSET.match(dataset)
        return f"NASLib zero-cost · {m.group(1) if m else dataset}"
    for title, families in NAMED_GROUPS:
        if board.family in families:
            return title
    return IMPORTED


def group_order(title: str) -> tuple[int, str]:
    named = [t for t, _ in NAMED_GROUPS]
    if title in named:
        return named.index(title), title
    if title.startswith("NASLib"):
        return len(named), title
    return len(named) + (1 if title == IMPORTED else 2), title


@dataclass(frozen=True)
class Setting:
    """A latency target's device setting, from its name ``latency_<device>[_<batch>]``."""

    setting: str
    device: str
    kind: str
    batch_size: int | None


def latency_setting(target: str) -> Setting | None:
    """Device, kind and batch size of a ``latency_<setting>`` target; None for other targets.

    HELP's settings are described by its importer's device table; an unknown setting keeps its name as
    the device, a trailing number as the batch size and an unknown kind."""
    from bench.errors import UsageError
    from bench.importers.help_latency import describe_setting

    if not target.startswith("latency_") or target == "latency_":
        return None
    setting = target.removeprefix("latency_")
    try:
        info = describe_setting(setting)
        return Setting(setting, str(info["device"]), str(info["kind"]), info["batch_size"])
    except UsageError:
        m = re.fullmatch(r"(.+)_(\d+)", setting)
        if m:
            return Setting(setting, m.group(1), "–", int(m.group(2)))
        return Setting(setting, setting, "–", None)


@dataclass(frozen=True)
class MarkdownFile:
    """A Markdown page already under the site root (a search summary, the rank page) and its HTML twin."""

    md: Path
    rel_html: str
    title: str
    csv: str | None = None


def summary_pages(root: Path, section: str) -> list[MarkdownFile]:
    """Every board of a section kept as Markdown (``summary.md`` with its ``summary.csv``) under
    ``<root>/<section>``: the search boards, the transfer boards."""
    pages = []
    for md in sorted((root / section).rglob("summary.md")) if (root / section).is_dir() else []:
        folder = md.parent.relative_to(root).as_posix()
        csv = "summary.csv" if (md.parent / "summary.csv").is_file() else None
        pages.append(MarkdownFile(md, f"{folder}/index.html", folder.removeprefix(f"{section}/"), csv))
    return pages
