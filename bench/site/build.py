"""The static leaderboard site: Jinja2 templates (autoescaped) rendered from the files under a leaderboard folder.

Pages: the landing page (every board grouped by family, one line each with its best predictor),
one page per family, per board (navigation, CSV download, dataset card, predictor configurations),
a latency overview per family with device settings, one page per search board and per transfer board
(each section with its index), and the cross-benchmark rank page. Tables are sorted and filtered by
``static/site.js``; nothing is loaded from elsewhere, so the site works from ``file://``. Pages depend
only on the files read, so building twice gives the same bytes.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from bench.atomic import atomic_write_text
from bench.site.cards import CardFinder
from bench.site.catalog import (
    BoardFile,
    MarkdownFile,
    group_order,
    group_title,
    latency_setting,
    summary_pages,
)
from bench.site.markdown import render, same_folder_links

STATIC = ("site.css", "site.js")
#: sections of boards kept as Markdown summaries: folder -> (title, what the landing page says of them)
SECTIONS = {
    "search": ("Search boards", "Simulated NAS runs on the tabular benchmarks: anytime curves and Pareto fronts."),
    "transfer": ("Transfer boards", "Few target labels plus fully known source tables: a new device's latency, a "
                 "new dataset's accuracy, or the full-budget accuracy (protocol: datasets/PROTOCOL.md, transfer "
                 "track)."),
}


def inline(text: Any) -> Markup:
    """Escaped text with the two inline marks board tables use: `code` and **bold**."""
    out = str(escape(str(text)))
    out = re.sub(r"`([^`]*)`", r"<code>\1</code>", out)
    return Markup(re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out))


def environment() -> Environment:
    env = Environment(loader=PackageLoader("bench.site", "templates"), autoescape=True, undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=False)
    env.filters["inline"] = inline
    return env


def _href(page: str, target: str) -> str:
    """Relative link from the page at ``page`` to ``target`` (both relative to the site root)."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


def _root(page: str) -> str:
    return "../" * page.count("/")


def _fmt(value: Any, digits: int = 3) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return f"{v:.{digits}f}" if np.isfinite(v) else "–"


class Site:
    """Renders and writes the pages of one leaderboard folder."""

    def __init__(self, root: Path, boards: list[BoardFile], cards: CardFinder) -> None:
        self.root, self.boards, self.cards = root, boards, cards
        self.env = environment()
        self.written: list[Path] = []
        self.markdown_pages: list[MarkdownFile] = []  # pages rendered from Markdown (their links may point there)
        self.families: dict[str, list[BoardFile]] = {}
        for b in sorted(boards, key=lambda b: b.rel):
            self.families.setdefault(b.family, []).append(b)

    # -- helpers ------------------------------------------------------------------------------------
    def write(self, page: str, template: str, **context: Any) -> None:
        context.setdefault("crumbs", [])
        context.setdefault("neighbours", [])
        text = self.env.get_template(template).render(root=_root(page), **context)
        self.written.append(atomic_write_text(self.root / page, text))

    @staticmethod
    def family_page(family: str) -> str:
        return f"{family}/index.html"

    def latency_page(self, family: str) -> str | None:
        return f"{family}/latency.html" if any(latency_setting(b.target) for b in self.families[family]) else None

    def board_row(self, page: str, b: BoardFile, settings: bool) -> list[Any]:
        """One line of a board list: link, target, (device setting), predictors, sizes, best predictor."""
        s, largest = b.labelled, b.largest
        top = largest.iloc[0]
        row: list[Any] = [{"text": b.benchmark, "href": _href(page, b.rel + ".html"), "sort": None},
                          f"`{b.target}`"]
        if settings:
            st = latency_setting(b.target)
            row += [st.device if st else "–", st.kind if st else "–",
                    str(st.batch_size) if st and st.batch_size is not None else "–"]
        row += [str(s["label"].nunique()), ",".join(map(str, sorted(s["train_size"].unique()))),
                {"text": f"{top['label']} (τ = {_fmt(top['kendall_tau_mean'])}, n = {int(top['train_size'])})",
                 "href": None, "sort": None}]
        if settings:
            best = largest.sort_values(["within_10pct_mean", "label"], ascending=[False, True]).iloc[0] \
                if "within_10pct_mean" in largest.columns else None
            row.append("–" if best is None else f"{best['label']} ({_fmt(best['within_10pct_mean'])})")
        return row

    @staticmethod
    def board_header(settings: bool) -> list[str]:
        head = ["benchmark", "target"] + (["device", "kind", "batch"] if settings else [])
        head += ["predictors", "training sizes", "best τ at the largest size"]
        return head + (["best within ±10 % at the largest size"] if settings else [])

    # -- pages --------------------------------------------------------------------------------------
    def static(self) -> None:
        for name in STATIC:
            text = resources.files("bench.site").joinpath("static", name).read_text(encoding="utf-8")
            self.written.append(atomic_write_text(self.root / "static" / name, text))

    def family(self, family: str) -> None:
        page, boards = self.family_page(family), self.families[family]
        settings = any(latency_setting(b.target) for b in boards)
        latency = self.latency_page(family)
        self.write(page, "family.html", title=f"{family} boards", family=family, boards=boards,
                   latency=_href(page, latency) if latency else None, header=self.board_header(settings),
                   rows=[self.board_row(page, b, settings) for b in boards],
                   crumbs=[{"text": family, "href": "index.html"}])

    def latency(self, family: str) -> None:
        """Device × predictor matrix of ±10 % and τ at each board's largest training-set size."""
        from bench.leaderboard import BASELINE

        page = self.latency_page(family)
        if page is None:
            return
        boards = [(b, st) for b in self.families[family] if (st := latency_setting(b.target)) is not None]
        frames = [b.largest for b, _ in boards]
        labels = sorted({lab for f in frames for lab in f["label"]}, key=lambda s: (s == BASELINE, s))
        several = len({b.benchmark for b, _ in boards}) > 1
        header = (["benchmark"] if several else []) + ["setting", "device", "kind", "batch", "n"]
        header += [f"{lab} {what}" for lab in labels for what in ("±10 %", "τ")]
        rows = []
        for (b, st), f in zip(boards, frames, strict=True):
            by_label = {r.label: r for r in f.itertuples()}
            row: list[Any] = [b.benchmark] if several else []
            row += [{"text": st.setting, "href": _href(page, b.rel + ".html"), "sort": None}, st.device, st.kind,
                    str(st.batch_size) if st.batch_size is not None else "–", str(int(f["train_size"].iloc[0]))]
            for lab in labels:
                r = by_label.get(lab)
                row += [_fmt(getattr(r, "within_10pct_mean", np.nan)) if r is not None else "–",
                        _fmt(r.kendall_tau_mean) if r is not None else "–"]
            rows.append(row)
        sizes = sorted({int(f["train_size"].iloc[0]) for f in frames})
        self.write(page, "latency.html", title=f"{family}: latency by device setting", header=header, rows=rows,
                   sizes="n = " + "/".join(map(str, sizes)),
                   crumbs=[{"text": family, "href": _href(page, self.family_page(family))},
                           {"text": "latency overview", "href": "latency.html"}])

    def board(self, family: str, i: int) -> None:
        from bench.leaderboard import board_blocks

        boards = self.families[family]
        b = boards[i]
        page = b.rel + ".html"
        png = b.csv.with_suffix(".png")
        blocks = [{"kind": "table", "header": c[0], "rows": c[1]} if kind == "table" else
                  {"kind": kind, "src": c[0]} if kind == "img" else {"kind": kind, "text": c[0]}
                  for kind, *c in board_blocks(b.frame, image=png.name if png.is_file() else None)]
        frame = b.labelled
        configs = []
        for (label, config_hash), g in frame.groupby(["label", "config_hash"], sort=True):
            raw = g["params"].iloc[0] if "params" in g.columns else None
            params = None
            if isinstance(raw, str):
                loaded = json.loads(raw)
                params = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in sorted(loaded.items())] \
                    if isinstance(loaded, dict) else [("params", raw)]
            configs.append({"label": label, "config_hash": config_hash, "params": params})
        neighbours = []
        if i > 0:
            neighbours.append({"href": _href(page, boards[i - 1].rel + ".html"), "rel": "prev", "arrow": "←",
                               "text": f"{boards[i - 1].benchmark} · {boards[i - 1].target}"})
        if i + 1 < len(boards):
            neighbours.append({"href": _href(page, boards[i + 1].rel + ".html"), "rel": "next", "arrow": "→",
                               "text": f"{boards[i + 1].benchmark} · {boards[i + 1].target}"})
        hib = bool(b.frame["higher_is_better"].iloc[0])
        self.write(page, "board.html", title=f"{b.benchmark} · {b.target}", blocks=blocks, configs=configs,
                   csv=b.csv.name, card=self.cards.find(b.benchmark), card_places=self.cards.places,
                   benchmark=b.benchmark, second="precision@5 %" if hib else "fraction within ±10 %",
                   crumbs=[{"text": family, "href": _href(page, self.family_page(family))},
                           {"text": b.target, "href": posixpath.basename(page)}],
                   neighbours=neighbours)

    def markdown_page(self, m: MarkdownFile, crumbs: list[dict], neighbours: Iterable[dict] = ()) -> None:
        text = m.md.read_text(encoding="utf-8")
        folder = m.md.parent

        def exists(rel: str) -> bool:
            return (folder / rel).is_file() or any((folder / rel).resolve() == (self.root / p.rel_html).resolve()
                                                   for p in self.markdown_pages)
        self.write(m.rel_html, "markdown.html", title=m.title, body=render(text, same_folder_links(exists)),
                   csv=m.csv, crumbs=crumbs, neighbours=list(neighbours))

    def summaries(self, section: str, title: str, pages: list[MarkdownFile]) -> None:
        """One page per Markdown board of a section (search, transfer), with its neighbours, and the section index."""
        index = f"{section}/index.html"
        for i, m in enumerate(pages):
            near = [{"href": _href(m.rel_html, pages[j].rel_html), "rel": rel, "arrow": arrow,
                     "text": pages[j].title} for j, rel, arrow in ((i - 1, "prev", "←"), (i + 1, "next", "→"))
                    if 0 <= j < len(pages)]
            self.markdown_page(m, [{"text": section, "href": _href(m.rel_html, index)},
                                   {"text": m.title, "href": "index.html"}], near)
        if pages:
            header, rows = self.summary_table(section, index, pages)
            self.write(index, "family.html", title=title, family=section, boards=pages, latency=None,
                       header=header, rows=rows, crumbs=[{"text": section, "href": "index.html"}])

    def summary_table(self, section: str, page: str, pages: list[MarkdownFile]) -> tuple[list[str], list[list[Any]]]:
        return self.search_table(page, pages) if section == "search" else self.transfer_table(page, pages)

    def search_table(self, page: str, pages: list[MarkdownFile]) -> tuple[list[str], list[list[Any]]]:
        rows = []
        for m in pages:
            s = pd.read_csv(m.md.parent / m.csv) if m.csv else pd.DataFrame()
            best = "–"
            if not s.empty and {"budget", "final_regret_mean", "algorithm"} <= set(s.columns):
                last = s[s["budget"] == s["budget"].max()].sort_values(["final_regret_mean", "algorithm"])
                best = f"{last['algorithm'].iloc[0]} (regret {_fmt(last['final_regret_mean'].iloc[0], 4)})"
            budget = "–" if s.empty or "budget" not in s.columns else f"{s['budget'].max():g} " + (
                str(s["budget_unit"].iloc[0]) if "budget_unit" in s.columns else "")
            rows.append([{"text": m.title, "href": _href(page, m.rel_html), "sort": None},
                         str(s["algorithm"].nunique()) if "algorithm" in s.columns else "–", budget,
                         {"text": best, "href": None, "sort": None}])
        return ["search board", "algorithms", "largest budget", "best at the largest budget (lowest regret)"], rows

    def transfer_table(self, page: str, pages: list[MarkdownFile]) -> tuple[list[str], list[list[Any]]]:
        """Per transfer board: its predictors, the largest k, and the best mean over targets there (with the
        ceiling of the same predictor trained on every non-query architecture)."""
        rows = []
        for m in pages:
            s = pd.read_csv(m.md.parent / m.csv, dtype={"k": str}) if m.csv else pd.DataFrame()
            best, largest, metric = "–", "–", "–"
            if not s.empty and {"protocol", "predictor", "k", "device"} <= set(s.columns):
                metric = "spearman" if m.title.startswith("help-") else "kendall"
                own = s[(s["protocol"] == "archbench") & (s["device"] == "mean") & (s["k"] != "all")]
                if not own.empty:
                    k = max(own["k"].astype(int))
                    last = own[own["k"].astype(int) == k].sort_values([f"{metric}_mean", "predictor"],
                                                                       ascending=[False, True])
                    top = last.iloc[0]
                    largest = str(k)
                    best = (f"{top['predictor']} ({_fmt(top[f'{metric}_mean'])}; ceiling "
                            f"{_fmt(top[f'ceiling_{metric}'])})")
            rows.append([{"text": m.title, "href": _href(page, m.rel_html), "sort": None},
                         str(s["predictor"].nunique()) if "predictor" in s.columns else "–", largest, metric,
                         {"text": best, "href": None, "sort": None}])
        return ["transfer board", "predictors", "largest k", "metric",
                "best mean over targets at the largest k (protocol archbench)"], rows

    def landing(self, sections: dict[str, list[MarkdownFile]], ranks: str | None, provenance: str | None) -> None:
        page = "index.html"
        groups: dict[str, list[BoardFile]] = {}
        for b in sorted(self.boards, key=lambda b: b.rel):
            groups.setdefault(group_title(b), []).append(b)
        out = []
        for title in sorted(groups, key=group_order):
            boards = groups[title]
            settings = any(latency_setting(b.target) for b in boards)
            families = sorted({b.family for b in boards})
            out.append({"title": title, "anchor": re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
                        "boards": boards, "header": self.board_header(settings),
                        "rows": [self.board_row(page, b, settings) for b in boards],
                        "families": [{"name": f, "href": self.family_page(f), "latency": self.latency_page(f)}
                                     for f in families]})
        extra = []
        for section, pages in sections.items():
            if pages:
                header, rows = self.summary_table(section, page, pages)
                extra.append({"anchor": section, "title": SECTIONS[section][0], "note": SECTIONS[section][1],
                              "href": f"{section}/index.html", "header": header, "rows": rows})
        intro = (f"{len(self.boards)} predictor boards from `archbench leaderboard build`; protocol: "
                 "`datasets/PROTOCOL.md`. Each board has a page (sortable tables, CSV download, dataset card, "
                 "predictor configurations) and a plot; click a column header to sort, type in a box to filter.")
        self.write(page, "index.html", title="Leaderboards", intro=intro, groups=out, ranks=ranks,
                   provenance=provenance, sections=extra)

    def build(self) -> list[Path]:
        self.static()
        ranks_md, provenance_md = self.root / "ranks" / "README.md", self.root / "PROVENANCE.md"
        ranks = MarkdownFile(ranks_md, "ranks/index.html", "Cross-benchmark average ranks") \
            if ranks_md.is_file() else None
        provenance = MarkdownFile(provenance_md, "PROVENANCE.html", "Provenance") if provenance_md.is_file() else None
        sections = {section: summary_pages(self.root, section) for section in SECTIONS}
        self.markdown_pages = [p for p in (ranks, provenance) if p] + [m for ms in sections.values() for m in ms]
        for family in self.families:
            self.family(family)
            self.latency(family)
            for i in range(len(self.families[family])):
                self.board(family, i)
        for section, pages in sections.items():
            self.summaries(section, SECTIONS[section][0], pages)
        if ranks:
            self.markdown_page(ranks, [{"text": "average ranks", "href": "index.html"}])
        if provenance:
            self.markdown_page(provenance, [{"text": "provenance", "href": "PROVENANCE.html"}])
        self.landing(sections, ranks.rel_html if ranks else None, provenance.rel_html if provenance else None)
        return self.written


def build_site(out_dir: str | Path, boards: list[tuple[Path, pd.DataFrame]] | None = None,
               cards_dir: str | Path | None = None, data_dir: str | Path | None = None) -> list[Path]:
    """Write the HTML site of every board under ``out_dir`` (``boards``: its CSVs, if already read);
    dataset cards from ``cards_dir`` (hand-written) and ``data_dir`` (written at import). Returns the paths."""
    from bench.leaderboard import _board_csvs

    root = Path(out_dir)
    found = _board_csvs(root) if boards is None else boards
    files = [BoardFile(csv, csv.relative_to(root).with_suffix("").as_posix(), frame) for csv, frame in found]
    cards = CardFinder(Path(cards_dir) if cards_dir is not None else None,
                       Path(data_dir) if data_dir is not None else None)
    return Site(root, files, cards).build()
