"""The registry of papers: one key per paper, shared by its claim ids, its check module and its literature module.

A paper's key is its claim prefix in lower case, letters only, followed by its year: claims ``RAM-5`` live in
:mod:`paper_checks.ram2021`, and what that paper states without the workbench deriving it (a theorem's bound, a
fitted curve) lives in :mod:`theory.literature.ram2021`. A prefix that carries the year's last two digits (``KH21``)
keeps them in the prefix, not twice in the key (``kh2021``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Paper", "PAPERS", "paper_of", "module_of"]

_PREFIX = re.compile(r"^([A-Z]+)([0-9]{2})?$")


@dataclass(frozen=True)
class Paper:
    """One paper behind a family of claims.

    Attributes
    ----------
    prefix : str
        The claim-id prefix before the dash, e.g. ``"RAM"`` or ``"KH21"``.
    year : int
        Year of publication; the key is ``letters(prefix).lower() + str(year)``.

    The citation is not repeated here: the check module's docstring and its claims' ``paper`` field hold it, and the
    literature module's docstring gives it in full.
    """

    prefix: str
    year: int

    def __post_init__(self) -> None:
        m = _PREFIX.match(self.prefix)
        if m is None:
            raise ValueError(f"Paper prefix must be capital letters, optionally followed by two digits; got {self.prefix!r}.")
        if not (isinstance(self.year, int) and 1900 <= self.year <= 2100):
            raise ValueError(f"Paper {self.prefix}: `year` must be an integer year; got {self.year!r}.")
        if m.group(2) is not None and int(m.group(2)) != self.year % 100:
            raise ValueError(f"Paper {self.prefix}: the prefix's digits must be the year's last two ({self.year}).")

    @property
    def key(self) -> str:
        """The module name shared by ``paper_checks.<key>`` and ``theory.literature.<key>``."""
        letters = _PREFIX.match(self.prefix).group(1)  # type: ignore[union-attr]
        return f"{letters.lower()}{self.year}"

    @property
    def module(self) -> str:
        """The check module, ``paper_checks.<key>``."""
        return f"paper_checks.{self.key}"


#: The papers in report order (KH21: Krotov & Hopfield 2021, ..., CHN: the classical Hopfield network, AGS 1985 and
#: McEliece et al. 1987; each module's docstring names its paper).
PAPERS: tuple[Paper, ...] = (
    Paper("KH21", 2021),
    Paper("KH16", 2016),
    Paper("DEM", 2017),
    Paper("RAM", 2021),
    Paper("CHN", 1985),
    Paper("BPD", 2026),
    Paper("MP", 1967),
    Paper("TUT", 2025),
    Paper("HU", 2024),
    Paper("EPA", 2025),
    Paper("DR", 2024),
    Paper("BF", 2025),
    Paper("MF", 1985),
    Paper("KUR", 2025),
    Paper("ICD", 2025),
)

_BY_PREFIX = {p.prefix: p for p in PAPERS}
if len(_BY_PREFIX) != len(PAPERS) or len({p.key for p in PAPERS}) != len(PAPERS):  # pragma: no cover - a registry edit
    raise ValueError("paper prefixes and keys must be unique")


def paper_of(claim_id: str) -> Paper:
    """The paper whose prefix a claim id carries (``"RAM-5"`` -> RAM 2021).

    Raises
    ------
    KeyError
        Naming the id when no registered paper has its prefix.
    """
    prefix = claim_id.split("-", 1)[0]
    try:
        return _BY_PREFIX[prefix]
    except KeyError:
        raise KeyError(f"Claim id {claim_id!r}: no paper with prefix {prefix!r} in paper_checks.papers.PAPERS.") from None


def module_of(claim_id: str) -> str:
    """The check module a claim id belongs to, by its prefix (``"BPD-10"`` -> ``"paper_checks.bpd2026"``)."""
    return paper_of(claim_id).module
