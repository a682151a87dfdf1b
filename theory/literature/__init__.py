"""What the papers state, transcribed: one module per paper, named by the paper's key.

The workbench's central distinction is between what it *derives* from a model (everything else in :mod:`theory`)
and what a paper *states* — a theorem's bound, a closed form, a curve — which a check compares with a derivation or
a measurement. The second kind lives here and only here. A module's name is the paper's key (claim prefix + year,
:mod:`paper_checks.papers`): ``theory.literature.ram2021`` holds what ``paper_checks.ram2021`` checks as ``RAM-*``.
Its docstring gives the full citation.

Nothing in the framework or the derivation engines (the rest of :mod:`theory`) or the kernel compiler
(:mod:`numerics.codegen`) imports this package, and no claim whose expected value is "derived from the model" takes
it from here; ``tests/test_layout.py`` holds both rules.
"""

from . import bpd2026, chn1985, dr2024, epa2025, hu2024, mp1967, ram2021, tut2025

__all__ = ["bpd2026", "chn1985", "dr2024", "epa2025", "hu2024", "mp1967", "ram2021", "tut2025"]
