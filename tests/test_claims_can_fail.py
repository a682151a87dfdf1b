"""A check must be able to fail: for each claim named here, a plausible bug injected into the code it relies on
(a wrong factor, a missing 1/2) turns its verdict from PASS to FAIL.  Each test first shows the verdict is PASS."""

from __future__ import annotations

import pytest

import paper_checks
import theory
from paper_checks.runner import run_claims
from theory.capacity import CapacityLaw, LargeDeviation

CLAIMS = {c.id: c for c in paper_checks.all_claims()}


def _verdict(cid: str) -> str:
    return run_claims([CLAIMS[cid]], "quick", out=None, progress=False)["claims"][0]["verdict"]


def test_kh21_4_fails_with_a_wrong_memory_lagrangian(monkeypatch):
    assert _verdict("KH21-4") == "PASS"
    from paper_checks import krotov_hopfield_2021 as mod

    real = theory.builtin

    def buggy(name):  # relu^3/2 instead of relu^3/3: the full model no longer is the paper's Dense AM
        if name == "model_a":
            return theory.from_dict(theory.variant_spec("model_a", "model_a_bug", lagrangians={"h": {"expr": "relu(x)**3/2"}}))
        return real(name)

    monkeypatch.setattr(mod.theory, "builtin", buggy)
    assert _verdict("KH21-4") == "FAIL"


@pytest.mark.parametrize("cid", ["KH16-3", "KH16-4", "KH16-6", "KH21-9"])
def test_capacity_claims_fail_with_a_wrong_crosstalk_variance(cid, monkeypatch):
    assert _verdict(cid) == "PASS"
    monkeypatch.setattr(CapacityLaw, "pattern_variance", property(lambda self: 4 * self._v1[0]))  # a factor 2 in the noise amplitude
    assert _verdict(cid) == "FAIL"


@pytest.mark.parametrize("cid", ["DEM-1", "DEM-2"])
def test_demircigil_claims_fail_with_the_one_pattern_exponent(cid, monkeypatch):
    assert _verdict(cid) == "PASS"
    # forgetting the union over all K patterns: the one-pattern exponent I where I/2 belongs
    real_value = LargeDeviation.value
    monkeypatch.setattr(LargeDeviation, "value", lambda self, which="all", r=0: real_value(self, "one", r))
    assert _verdict(cid) == "FAIL"


@pytest.mark.parametrize("cid", ["RAM-6", "RAM-7"])
def test_ramsauer_bounds_fail_with_beta_misplaced(cid, monkeypatch):
    assert _verdict(cid) == "PASS"
    from paper_checks import ramsauer_2021 as mod

    real = mod._kernel()

    class HalfBeta:  # softmax(beta/2 X^T x): a misplaced factor in the update
        def update(self, **kw):
            return real.update(**{**kw, "beta": kw["beta"] / 2})

    monkeypatch.setattr(mod, "_kernel", lambda: HalfBeta())
    assert _verdict(cid) == "FAIL"


def test_bpd_3_fails_with_a_wrong_normalisation(monkeypatch):
    assert _verdict("BPD-3") == "PASS"
    from paper_checks import threshold_2026 as mod

    # normalising by N_h instead of N_v (the two sizes are easy to swap)
    monkeypatch.setattr(mod.spectra, "coupling", lambda xi: xi @ xi.T / xi.shape[0])
    assert _verdict("BPD-3") == "FAIL"


def test_bpd_1_fails_with_an_inverted_rescaling(monkeypatch):
    assert _verdict("BPD-1") == "PASS"
    from paper_checks import threshold_2026 as mod

    builtin = theory.builtin
    real = builtin("threshold")

    class Inverted:  # the rescaling factor the wrong way round: sqrt(N_h/N_v)
        def __getattr__(self, name):
            return getattr(real, name)

        @property
        def rescaling(self):
            return {**real.rescaling, "v": 1 / real.rescaling["v"]}

    monkeypatch.setattr(mod.theory, "builtin", lambda name: Inverted() if name == "threshold" else builtin(name))
    assert _verdict("BPD-1") == "FAIL"
