"""Shafiei Kafraj, Krotov & Latham (ICLR 2026), "A Biologically Plausible Dense Associative Memory with Exponential
Capacity": claims ``BPD-*``.

Two modules, one paper: :mod:`.fixed_points` (the threshold model's 2^N_h fixed points, the Marchenko-Pastur
coupling, the phase diagram; BPD-1 ... BPD-9, BPD-15) and :mod:`.learning` (the model at data scale: learning, the
census of minima, classifiability, the Table 4 comparison, ablations, preprocessing; BPD-10 ... BPD-17).
"""

from . import fixed_points, learning

__all__ = ["fixed_points", "learning"]
