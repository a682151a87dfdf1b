"""The benchmark scripts run (small sizes) and print the records their docs promise; no timing is asserted."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_kernel_benchmark_runs_small():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "kernels.py"), "--json", "--K", "500", "--N", "32", "--batch", "8", "--repeat", "1"],
                         capture_output=True, text=True, timeout=300, check=True)
    names = [r["name"] for r in json.loads(out.stdout)]
    assert names == ["derive_cost_vs_N", "model_b_step_vs_gemm", "model_b_step_vs_numpy"]


def test_numerics_benchmark_runs_quick():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "numerics.py"), "--json", "--quick"], capture_output=True, text=True, timeout=600, check=True)
    names = [r["name"] for r in json.loads(out.stdout)]
    assert names[-1] == "ode_energy_max_increase" and len(names) == 4
