"""What a run of the claims produced: one typed record per claim and one for the run.

The runner (:mod:`paper_checks.runner`) makes them, the report (:mod:`paper_checks.report`) renders them, and
``results.json`` is their :meth:`Run.to_json` (the same keys as before the records were typed, so files written by
earlier versions read back with :meth:`Run.from_json`). Both types are frozen and check their invariants when built.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["VERDICTS", "ClaimRecord", "Run"]

#: every verdict a claim can get: PASS and FAIL are measurements; SKIP (could not run here) and ERROR (raised) are not
VERDICTS = ("PASS", "FAIL", "SKIP", "ERROR")


@dataclass(frozen=True)
class ClaimRecord:
    """One claim's outcome, with the claim's own description copied in (a record reads alone).

    Attributes
    ----------
    verdict : {"PASS", "FAIL", "SKIP", "ERROR"}
    margin : float or None
        ``1 - |deviation| / allowed``: 1 at the centre of the tolerance, 0 at its edge, negative when failing.
    measured : any JSON value
        What the compute function measured (``None`` on SKIP and ERROR).
    detail : str
        The evidence, or the SKIP reason, or the ERROR's traceback.
    decision : str
        How the measured values met the claim's tolerance, worded by it (empty for a claim whose compute function
        decided itself).
    figures : tuple of str
        Figure files, relative to the output folder.
    seconds : float
        Wall time of the claim.
    peak_rss_mb : float or None
        Peak resident memory of the process when the claim finished.
    """

    id: str
    paper: str
    source: str
    statement: str
    kind: str
    expected: Any
    expected_source: str
    role: str
    tolerance: str
    tolerance_reason: str
    params: dict
    seed: int
    known_discrepancy: str | None
    verdict: str
    measured: Any = None
    margin: float | None = None
    detail: str = ""
    decision: str = ""
    figures: tuple[str, ...] = ()
    seconds: float = 0.0
    peak_rss_mb: float | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"ClaimRecord {self.id}: `verdict` must be one of {VERDICTS}; got {self.verdict!r}.")
        if self.margin is not None:
            if isinstance(self.margin, bool) or not isinstance(self.margin, (int, float)) or math.isnan(self.margin):
                raise ValueError(f"ClaimRecord {self.id}: `margin` must be a number (not NaN) or None; got {self.margin!r}.")
            object.__setattr__(self, "margin", float(self.margin))
        if not isinstance(self.seconds, (int, float)) or self.seconds < 0:
            raise ValueError(f"ClaimRecord {self.id}: `seconds` must be a number >= 0; got {self.seconds!r}.")
        object.__setattr__(self, "figures", tuple(self.figures))
        if not all(isinstance(f, str) for f in self.figures):
            raise ValueError(f"ClaimRecord {self.id}: `figures` must be paths (str); got {self.figures!r}.")

    @property
    def known(self) -> bool:
        """A FAIL that the claim expected, with evidence (:attr:`known_discrepancy`)."""
        return self.verdict == "FAIL" and bool(self.known_discrepancy)

    @property
    def derived(self) -> bool:
        """The expected value was derived by theory/ from the model, not typed from the paper."""
        return self.expected_source != "paper"

    def to_json(self) -> dict:
        """The record as ``results.json`` holds it (``figure``: the first figure, kept for older readers)."""
        d = dataclasses.asdict(self)
        d["figures"] = list(self.figures)
        d["figure"] = self.figures[0] if self.figures else None
        return d

    @classmethod
    def from_json(cls, d: dict) -> ClaimRecord:
        """Read a record written by :meth:`to_json` (unknown keys, such as ``figure``, are ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        if not kw.get("figures") and d.get("figure"):
            kw["figures"] = (d["figure"],)
        return cls(**kw)


@dataclass(frozen=True)
class Run:
    """A run of claims: the scale, where and how long it ran, and one :class:`ClaimRecord` per claim in order."""

    scale: str
    claims: tuple[ClaimRecord, ...]
    total_seconds: float = 0.0
    machine: dict = field(default_factory=dict)
    load: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.scale not in ("quick", "paper"):
            raise ValueError(f"Run: `scale` must be 'quick' or 'paper'; got {self.scale!r}.")
        object.__setattr__(self, "claims", tuple(self.claims))
        if not all(isinstance(c, ClaimRecord) for c in self.claims):
            raise TypeError("Run: `claims` must hold ClaimRecord objects.")
        ids = [c.id for c in self.claims]
        if len(set(ids)) != len(ids):
            raise ValueError(f"Run: claim ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}.")

    def counts(self) -> dict[str, int]:
        """Claims per verdict, every verdict present (0 where none)."""
        return {v: sum(c.verdict == v for c in self.claims) for v in VERDICTS}

    @property
    def known_failures(self) -> int:
        return sum(c.known for c in self.claims)

    @property
    def exit_status(self) -> int:
        """1 on any ERROR or any FAIL without a known discrepancy, else 0."""
        return int(any(c.verdict == "ERROR" or (c.verdict == "FAIL" and not c.known) for c in self.claims))

    def to_json(self) -> dict:
        """``results.json``: scale, total_seconds, machine, load, claims."""
        return {"scale": self.scale, "total_seconds": self.total_seconds, "machine": self.machine, "load": self.load,
                "claims": [c.to_json() for c in self.claims]}

    @classmethod
    def from_json(cls, d: dict) -> Run:
        """Read ``results.json`` back (:meth:`to_json`)."""
        return cls(scale=d["scale"], claims=tuple(ClaimRecord.from_json(c) for c in d["claims"]),
                   total_seconds=d.get("total_seconds", 0.0), machine=d.get("machine") or {}, load=d.get("load") or {})
