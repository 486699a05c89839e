"""Charts of the plan report, drawn by matplotlib into self-contained SVG text.

No pyplot: each chart is its own `Figure`, so drawing holds no global state and needs no display.
Glyphs are written as paths (`svg.fonttype: path`), so a chart looks the same on every machine.
Chinese chart text needs a CJK font that matplotlib can find; `cjk_font` says which one is there.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

Series = tuple[str, Sequence[float]]
"""A named value per horizon."""

PALETTE = [
    "#1f5c99",
    "#4f8fc6",
    "#8db9df",
    "#2d7f7a",
    "#e0a23b",
    "#6aa84f",
    "#b45f5f",
    "#8a6fb0",
    "#9aa5b1",
    "#d98c5f",
]
INK = "#1d2733"
MUTED = "#5b6775"
TARGET = "#1d2733"
NATIONAL = "#b3261e"
SIZE_IN = (7.6, 3.9)
BAR_GROUP_WIDTH = 0.72


def cjk_font(candidates: Sequence[str]) -> str | None:
    """The first of `candidates` installed, or None.

    matplotlib knows the fonts of its cache (fontlist-*.json), which predates a font installed
    after it was built: when none of `candidates` is in it, the system's fonts are listed again
    once, the fonts found are added, and the cache is rewritten for the next run."""
    found = _first_installed(font_manager.fontManager, candidates)
    if found is not None:
        return found
    fresh = font_manager.FontManager()
    found = _first_installed(fresh, candidates)
    if found is None:
        return None
    for entry in fresh.ttflist:
        if entry.name in candidates:
            font_manager.fontManager.addfont(entry.fname)
    cache = Path(mpl.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
    font_manager.json_dump(fresh, str(cache))
    return found


def _first_installed(manager: font_manager.FontManager, candidates: Sequence[str]) -> str | None:
    installed = {entry.name for entry in manager.ttflist}
    return next((name for name in candidates if name in installed), None)


def _style(font: str | None) -> Any:
    """rcParams of every chart (typed Any: matplotlib types the keys as literals)."""
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    return {
        "font.family": "sans-serif",
        "font.sans-serif": families,
        "font.size": 9.5,
        "axes.edgecolor": MUTED,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "path",
    }


def _to_svg(figure: Figure, name: str) -> str:
    buffer = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": name}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def _grid(axes: Axes) -> None:
    axes.yaxis.grid(True, color="#dde3e9", linewidth=0.7)
    axes.set_axisbelow(True)


def demand_by_use(
    horizons: Sequence[str],
    uses: Sequence[Series],
    y_label: str,
    fmt: Callable[[float], str],
    font: str | None,
) -> str:
    """Stacked bars: max-day demand of each use per horizon, with the total on top."""
    with mpl.rc_context(_style(font)):
        figure = Figure(figsize=SIZE_IN)
        axes = figure.add_subplot()
        positions = range(len(horizons))
        bottoms = [0.0] * len(horizons)
        for index, (label, values) in enumerate(uses):
            axes.bar(
                positions,
                values,
                0.5,
                bottom=bottoms,
                label=label,
                color=PALETTE[index % len(PALETTE)],
                edgecolor="white",
                linewidth=0.6,
            )
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        for x, total in zip(positions, bottoms, strict=True):
            axes.annotate(
                fmt(total),
                (x, total),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontweight="bold",
                color=INK,
            )
        axes.set_xticks(list(positions), list(horizons))
        axes.set_ylabel(y_label)
        axes.set_ylim(0, max(bottoms) * 1.12 if max(bottoms) > 0 else 1)
        _grid(axes)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8.5)
        return _to_svg(figure, "demand")


def grouped_bars(
    horizons: Sequence[str],
    series: Sequence[Series],
    y_label: str,
    fmt: Callable[[float], str],
    font: str | None,
    name: str,
    targets: Series | None = None,
    reference: tuple[str, float] | None = None,
    labels_inside: bool = False,
) -> str:
    """Bars side by side per horizon; optional per-horizon targets and one reference line.

    `labels_inside` writes the values at the foot of the bars, clear of the target lines.
    """
    with mpl.rc_context(_style(font)):
        figure = Figure(figsize=SIZE_IN)
        axes = figure.add_subplot()
        width = BAR_GROUP_WIDTH / len(series)
        top = 0.0
        for index, (label, values) in enumerate(series):
            offsets = [
                x - BAR_GROUP_WIDTH / 2 + width * (index + 0.5) for x in range(len(horizons))
            ]
            bars = axes.bar(
                offsets,
                values,
                width * 0.92,
                label=label,
                color=PALETTE[(index * 3) % len(PALETTE)],
            )
            if labels_inside:
                at_base = blended_transform_factory(axes.transData, axes.transAxes)
                for bar, value in zip(bars, values, strict=True):
                    axes.text(
                        bar.get_x() + bar.get_width() / 2,
                        0.03,
                        fmt(value),
                        transform=at_base,
                        ha="center",
                        va="bottom",
                        color="white",
                        fontweight="bold",
                        fontsize=8.5,
                    )
            else:
                axes.bar_label(bars, labels=[fmt(v) for v in values], padding=2, fontsize=8.5)
            top = max(top, *values)
        if targets is not None:
            label, values = targets
            for x, value in enumerate(values):
                axes.hlines(
                    value,
                    x - BAR_GROUP_WIDTH / 2 - 0.04,
                    x + BAR_GROUP_WIDTH / 2 + 0.04,
                    colors=TARGET,
                    linewidth=2.2,
                    label=label if x == 0 else "_nolegend_",
                )
            top = max(top, *values)
        if reference is not None:
            label, value = reference
            axes.axhline(value, color=NATIONAL, linestyle="--", linewidth=1.4, label=label)
            top = max(top, value)
        axes.set_xticks(list(range(len(horizons))), list(horizons))
        axes.set_ylabel(y_label)
        axes.set_ylim(0, top * 1.15 if top > 0 else 1)
        _grid(axes)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8.5)
        return _to_svg(figure, name)
