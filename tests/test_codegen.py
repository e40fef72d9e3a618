"""The kernel-equivalence tests on both x86 code generations, whatever CPU runs the suite.

numba compiles for the CPU it runs on and OpenBLAS picks its kernels by CPU, so a suite that
passes on an AVX-512 machine says nothing by itself about an AVX2 one (AMD EPYC Zen 3, most
CI runners), whose round-off differs. Each test here re-runs the tests that compare the
numba and numpy kernels, and a short ensemble/training subset, in a child pytest process:
once with the host's own settings and once with numba compiling for Haswell (AVX2 + FMA,
no AVX-512: ``NUMBA_CPU_NAME=haswell`` *and* ``NUMBA_CPU_FEATURES=""``, or numba keeps the
host's feature flags and still emits 512-bit code) and OpenBLAS running its Haswell kernels
(``OPENBLAS_CORETYPE=Haswell``, the ones it picks on Zen). The child reports what it really
ran (tests/_codegen_report.py) and that is checked, not assumed.

The kernel is compiled with ``cache=True``. numba keys its cache on the target CPU and its
features, so host code is never served to a Haswell process; still, the Haswell child gets
an empty cache directory, so that it compiles (most of its ~10 s) and can inspect the code it
compiled. The host child shares the parent's cache (its code is what the parent runs anyway).
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: What the children run: every test comparing a kernel with the reference or the compiled
#: kernel with the numpy one, and the ensemble and training tests stepped by the compiled one.
CHILD_TESTS = [
    "tests/test_kernels.py",
    "tests/test_numba_kernel.py",
    "tests/test_ensemble.py::test_member_equals_the_same_network_alone",
    "tests/test_ensemble.py::test_diverging_member_is_frozen_at_its_first_non_finite_loss",
    "tests/test_train.py::test_large_ensemble_members_equal_their_runs_alone",
]

#: Settings of the code generation under test; all unset means the host's own.
_CODEGEN_VARS = ("NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES", "OPENBLAS_CORETYPE")
HASWELL = {"NUMBA_CPU_NAME": "haswell", "NUMBA_CPU_FEATURES": "", "OPENBLAS_CORETYPE": "Haswell"}


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def _uses_openblas() -> bool:
    from threadpoolctl import threadpool_info

    return any(i.get("internal_api") == "openblas" for i in threadpool_info())


def _run_child(settings: dict, tmp_path: Path, fresh_cache: bool) -> dict:
    """Run CHILD_TESTS with ``settings``; assert they pass; return the child's report."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "NUMBA_", "OPENBLAS_CORETYPE", "LINNET_TEST_SEEDS"))}
    # PYTEST_ADDOPTS, PYTEST_XDIST_* and the worker's PYTEST_CURRENT_TEST would leak the
    # parent's run into the child; NUMBA_*/OPENBLAS_CORETYPE are set below or left unset;
    # the child runs the default seeds, so its time stays bounded.
    env.update(settings)
    report = tmp_path / "report.json"
    if fresh_cache:
        env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba-cache")
    elif "NUMBA_CACHE_DIR" in os.environ:
        env["NUMBA_CACHE_DIR"] = os.environ["NUMBA_CACHE_DIR"]
    env["LINNET_CODEGEN_REPORT"] = str(report)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "tests"), env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
           "-p", "_codegen_report", "--rootdir", str(ROOT), *CHILD_TESTS]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    where = " ".join(f"{k}={v!r}" for k, v in settings.items()) or "host settings"
    assert proc.returncode == 0, (
        f"the kernel-equivalence tests fail with {where} (exit {proc.returncode}):\n"
        f"{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}")
    rep = json.loads(report.read_text())
    if importlib.util.find_spec("numba") is not None:
        assert rep["numba"], "the child never compiled the numba kernel"
    return rep


pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                                 reason="x86-64 code generations only")]


def test_kernel_equivalence_with_the_hosts_own_code(tmp_path):
    rep = _run_child({}, tmp_path, fresh_cache=False)
    if rep["numba"]:
        import llvmlite.binding as ll  # numba's own dependency

        assert rep["numba"]["config_cpu_name"] is None
        assert rep["numba"]["cpu"] == ll.get_host_cpu_name()
        if rep["numba"]["kernel_compiled"]:  # else loaded from the shared cache: no asm
            # Vectorised for the host: 256-bit registers at least (LLVM's tuning for most
            # AVX-512 Xeons prefers 256-bit vectors, so zmm is not required there).
            assert rep["numba"]["kernel_ymm"] or rep["numba"]["kernel_zmm"]


def test_kernel_equivalence_with_avx2_code(tmp_path):
    flags = _cpu_flags()
    if not {"avx2", "fma"} <= flags:
        pytest.skip("this CPU cannot run Haswell (AVX2 + FMA) code")
    rep = _run_child(HASWELL, tmp_path, fresh_cache=True)
    if rep["numba"]:
        assert rep["numba"]["config_cpu_name"] == "haswell" and rep["numba"]["cpu"] == "haswell"
        assert not rep["numba"]["avx512f"]
        assert rep["numba"]["kernel_compiled"] and not rep["numba"]["kernel_zmm"]
        assert rep["numba"]["kernel_ymm"]  # vectorised for AVX2
    if _uses_openblas():
        assert {b["architecture"] for b in rep["blas"] if b["internal_api"] == "openblas"} == {
            "Haswell"}, rep["blas"]
