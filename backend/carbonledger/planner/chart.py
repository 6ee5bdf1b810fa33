"""The MACC as an SVG chart (matplotlib, Agg backend; no file or display involved).

Bars in cost-per-tonne order: width = the option's potential (tCO2e per year), height = its
annualised cost per tonne (negative below the axis for options that save money); the bars the
plan chose are filled, the others outlined. The plan's marginal option is the last chosen bar.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

#: pyplot and matplotlib's text layout keep global state: two plans drawn at once in the API's
#: worker threads broke each other (mathtext ParseException, a 500), so one chart at a time.
_DRAWING = threading.Lock()


def macc_svg(
    curve: Iterable[Mapping[str, Any]],
    chosen: Iterable[str],
    *,
    title: str,
    currency: str,
) -> str:
    """An SVG document of ``curve`` (rows of :func:`carbonledger.planner.plan.macc`)."""
    with _DRAWING:
        return _draw(curve, set(chosen), title, currency)


def _draw(curve: Iterable[Mapping[str, Any]], picked: set[str], title: str, currency: str) -> str:
    fig, ax = plt.subplots(figsize=(9, 4.8))
    x = 0.0
    for row in curve:
        width = float(row["potential_tco2e"])
        height = float(row["cost_per_tco2e"])
        if width <= 0:
            continue
        used = row["candidate"] in picked
        ax.bar(
            x,
            height,
            width=width,
            align="edge",
            color="#2a9d8f" if used else "none",
            edgecolor="#264653",
            linewidth=0.8,
        )
        ax.annotate(
            f"{row['option']} ({row['funded_by']})",
            (x + width / 2, height),
            rotation=60,
            fontsize=7,
            ha="left",
            va="bottom",
        )
        x += width
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xlabel("abatement potential, tCO2e per year (cumulative)")
    ax.set_ylabel(f"annualised cost, {currency} per tCO2e")
    ax.set_title(title, fontsize=10)
    ax.set_yscale("symlog", linthresh=1000)
    fig.tight_layout()
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None})
    plt.close(fig)
    return out.getvalue()
