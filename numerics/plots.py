"""Figures (matplotlib, Agg): every function returns a Figure with labelled axes; :func:`save` writes PNG and PDF."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from .spectra import mp_density, mp_edges


def _tidy_log(ax, which: str = "both") -> None:
    """Plain tick labels on log axes (no overlapping minor labels), at 1, 2 and 5 times powers of ten so that an axis
    spanning less than a decade still reads (at most about eight labels)."""
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    axes = [ax.xaxis, ax.yaxis] if which == "both" else [ax.xaxis] if which == "x" else [ax.yaxis]
    for a in axes:
        a.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=8))
        a.set_minor_formatter(NullFormatter())
        fmt = ScalarFormatter()
        fmt.set_scientific(False)
        a.set_major_formatter(fmt)


__all__ = ["energy_trace", "capacity_curve", "spectrum", "phase_diagram", "image_grid", "code_usage", "minima_sharing", "save"]


def save(fig, path: str | Path, formats: Sequence[str] = ("png", "pdf")) -> list[Path]:
    """Write ``fig`` as ``path.<fmt>`` for each format; returns the paths."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in formats:
        p = path.with_suffix("." + fmt)
        fig.savefig(p, dpi=120, bbox_inches="tight")
        out.append(p)
    plt.close(fig)
    return out


def energy_trace(t: np.ndarray, E: np.ndarray, title: str = "energy along the trajectory"):
    """E(t) for each batch member."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(t, np.atleast_2d(E.T).T)
    ax.set_xlabel("time t (units of tau)")
    ax.set_ylabel("energy E")
    ax.set_title(title)
    return fig


def capacity_curve(x: Sequence[float], measured: Mapping[str, Sequence[float]], theory: Mapping[str, Sequence[float]] | None = None,
                   xlabel: str = "number of neurons N", ylabel: str = "capacity K", log: bool = True, errors: Mapping[str, Sequence[float]] | None = None):
    """Measured capacities (markers, optional error bars) with theory curves (lines)."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for name, y in measured.items():
        ax.errorbar(x, y, yerr=None if errors is None else errors.get(name), fmt="o", label=f"{name} (measured)")
    for name, y in (theory or {}).items():
        ax.plot(x, y, "-", label=f"{name} (theory)")
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
        _tidy_log(ax)
        ax.set_xticks(list(x), [f"{v:g}" for v in x])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return fig


def spectrum(eigs: np.ndarray, lam: float, bins: int = 40):
    """Eigenvalue histogram of J against the Marchenko-Pastur density."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.hist(eigs, bins=bins, density=True, alpha=0.6, label="eigenvalues of J")
    lo, hi = mp_edges(lam)
    x = np.linspace(lo, hi, 400)
    ax.plot(x, mp_density(x, lam), "k-", label=f"Marchenko-Pastur, lambda={lam:.3g}")
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    return fig


def phase_diagram(x: Sequence[float], series: Mapping[str, Sequence[float]], xlabel: str, ylabel: str = "fraction of fixed states", logx: bool = True):
    """Fractions (e.g. of fixed states) against a size ratio such as N_v/N_h or N_v/N_h^2."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for name, y in series.items():
        ax.plot(x, y, "o-", label=name)
    if logx:
        ax.set_xscale("log")
        _tidy_log(ax, "x")
        ax.set_xticks(list(x), [f"{v:g}" for v in x])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8)
    return fig


def image_grid(rows: Mapping[str, np.ndarray], shape: tuple[int, int], max_cols: int = 10):
    """One row of images per entry (e.g. original / cue / recalled), each row a labelled set."""
    nr = len(rows)
    nc = min(max_cols, max(len(v) for v in rows.values()))
    fig, axes = plt.subplots(nr, nc, figsize=(1.1 * nc, 1.2 * nr), squeeze=False)
    for r, (name, imgs) in enumerate(rows.items()):
        for c in range(nc):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(imgs):
                ax.imshow(np.asarray(imgs[c]).reshape(shape), cmap="gray")
            if c == 0:
                ax.set_ylabel(name, fontsize=8)
    return fig


def code_usage(codes: np.ndarray, title: str = "hidden-code usage"):
    """Fraction of images whose recalled code has each hidden unit on (one bar per unit)."""
    codes = np.asarray(codes) > 0
    fig, ax = plt.subplots(figsize=(6, 2.8))
    ax.bar(np.arange(codes.shape[1]), codes.mean(0), color="tab:blue")
    ax.set_xlabel("hidden unit")
    ax.set_ylabel("fraction of images with s = 1")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    return fig


def minima_sharing(counts: np.ndarray, title: str = "images per minimum"):
    """Histogram of how many images share each distinct minimum (log count axis)."""
    counts = np.asarray(counts)
    fig, ax = plt.subplots(figsize=(5, 3))
    bins = np.arange(1, counts.max() + 2) - 0.5 if counts.max() <= 40 else np.unique(np.geomspace(1, counts.max() + 1, 30).astype(int))
    ax.hist(counts, bins=bins, color="tab:orange")
    ax.set_yscale("log")
    ax.set_xlabel("images sharing a minimum")
    ax.set_ylabel("number of minima")
    ax.set_title(f"{title}: {len(counts)} minima, {int(counts.sum())} images")
    return fig
