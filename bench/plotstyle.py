"""Plot styling shared by the leaderboard and search figures: many series that stay apart, legends off the data.

Ten colours alone repeat from the eleventh series on; pairing each colour with its own marker (and a
dashed line from the eleventh on) keeps 12+ predictors or algorithms distinguishable, also in grey.
Legends go outside the axes, to the right of the figure, so they never cover a line.
"""

from __future__ import annotations

from typing import Any

#: colour-blind-aware qualitative palette (matplotlib's tab10, which Tableau designed for this)
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "d", "p", "h", "8")
BASELINE_STYLE = {"color": "black", "linestyle": "--", "marker": "x"}


def series_styles(labels: list[str], baseline: str | None = None) -> dict[str, dict[str, Any]]:
    """A distinct (colour, marker, line style) per label, in the given order; ``baseline`` black dashed."""
    out: dict[str, dict[str, Any]] = {}
    i = 0
    for label in labels:
        if label == baseline:
            out[label] = dict(BASELINE_STYLE)
            continue
        out[label] = {"color": COLORS[i % len(COLORS)], "marker": MARKERS[i % len(MARKERS)],
                      "linestyle": "-" if (i // len(COLORS)) % 2 == 0 else "-."}
        i += 1
    return out


def legend_outside(fig: Any, handles: list[Any] | None = None, labels: list[str] | None = None) -> Any:
    """One legend for the whole figure, right of the axes and below the title (needs a constrained layout)."""
    if handles is None:
        handles, labels = fig.axes[0].get_legend_handles_labels()
    ncol = 1 if len(handles) <= 16 else 2
    return fig.legend(handles, labels, loc="outside right center", fontsize=8, ncol=ncol, frameon=False)


def plain_log_ticks(axis: Any) -> None:
    """Log-axis ticks at 1, 2 and 5 per decade, labelled as plain numbers (``0.002``, not ``2×10⁻³``), with
    no minor labels, so neighbouring labels never run into each other."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())
