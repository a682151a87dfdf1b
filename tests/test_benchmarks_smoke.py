"""The benchmark scripts run (small sizes) and print the records their docs promise; no timing is asserted."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_kernel_benchmark_runs_small():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "kernels.py"), "--json", "--K", "500", "--N", "32", "--batch", "8", "--repeat", "1",
                          "--chunk-K", "2000", "--budget-mib", "1"],
                         capture_output=True, text=True, timeout=300, check=True)
    names = [r["name"] for r in json.loads(out.stdout)]
    assert names == [
        "derive_cost_vs_N",
        "model_b_step_vs_gemm",
        "model_b_step_vs_numpy",
        "model_b_energy_vs_numpy",
        "model_b_step_chunked_peak_mib",
        "model_b_step_chunked_vs_whole",
        "model_b_small_checked_vs_numpy",
        "model_b_small_unchecked_vs_numpy",
        "hamux3_energy_stable_vs_plain",
        "hamux3_grad_stable_vs_plain",
        "hamux3_rhs_stable_vs_plain",
        "hamux3_grad_jax_jit_vs_numpy",
    ]


def test_numerics_benchmark_runs_quick():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "numerics.py"), "--json", "--quick"], capture_output=True, text=True, timeout=600, check=True)
    names = [r["name"] for r in json.loads(out.stdout)]
    assert names[-1] == "ode_energy_max_increase" and len(names) == 4


def test_budget_benchmark_runs_small():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "budgets.py"), "--json", "--only", "2", "--repeat", "1"],
                         capture_output=True, text=True, timeout=600, check=True)
    (rec,) = json.loads(out.stdout)
    assert rec["name"] == "expensive_string_max_s" and rec["value"] > 0


def test_capacity_benchmark_runs_small():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "capacity.py"), "--json", "--repeat", "1"],
                         capture_output=True, text=True, timeout=600, check=True)
    names = [r["name"] for r in json.loads(out.stdout)]
    assert names == ["capacity_law_cost_vs_N", "capacity_cli_derive_s", "poly_kernel_products_vs_power"]


def test_peer_benchmark_runs_small():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "peers.py"), "--json", "--small-only", "--repeat", "2"],
                         capture_output=True, text=True, timeout=600, check=True)
    recs = json.loads(out.stdout)
    assert [r["name"] for r in recs] == ["hamux3_rhs_numpy_vs_hand_small", "hamux3_rhs_jax_vs_hamux_small", "hamux3_rhs_numpy_vs_hamux_small"]
    assert recs[0]["ratio"] > 0  # the peers' ratios are None (with the reason) where HAMUX or JAX is not installed


def test_main_job_benchmark_reads_a_finished_run(tmp_path):
    doc = {"scale": "quick", "total_seconds": 12.5, "machine": {"cpus": 2}, "load": {"start": [0.1], "end": [0.2]},
           "claims": [{"id": f"T-{i}", "verdict": "PASS", "seconds": float(i)} for i in range(7)]}
    (tmp_path / "r.json").write_text(json.dumps(doc))
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "main_job.py"), "--json", "--results", str(tmp_path / "r.json")],
                         capture_output=True, text=True, timeout=120, check=True)
    (rec,) = json.loads(out.stdout)
    assert rec["name"] == "main_job_quick_s" and rec["value"] == 12.5 and "T-6 6s" in rec["detail"]
