"""pytest plugin for the child runs of tests/test_codegen.py: at the end of the session, write
to ``$LINNET_CODEGEN_REPORT`` (JSON) what code this process really ran — numba's target CPU
and features, whether the compiled kernel uses 512-bit registers, OpenBLAS's core type — so
the parent can check that the environment it set took effect rather than trusting it."""

from __future__ import annotations

import json
import os
import sys
import warnings


def _numba_target() -> dict:
    if "numba" not in sys.modules:
        return {}
    import numba
    from numba.core.registry import cpu_target

    triple, cpu, features = cpu_target.target_context.codegen().magic_tuple()
    out = {"config_cpu_name": numba.config.CPU_NAME, "cpu": cpu,
           "avx512f": "+avx512f" in features.split(",")}
    gd = sys.modules.get("linnet.kernels.compiled")
    kernel = None if gd is None else gd._member_run  # the compiled run (its helpers inline)
    # Code loaded from numba's cache cannot be inspected (numba warns and returns no real
    # assembly): only code compiled in this process says which registers it uses.
    out["kernel_compiled"] = bool(kernel is not None and kernel.signatures
                                  and not kernel.stats.cache_hits)
    out["kernel_zmm"] = out["kernel_ymm"] = None
    if out["kernel_compiled"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            asm = "".join(kernel.inspect_asm(sig) for sig in kernel.signatures)
        out["kernel_zmm"], out["kernel_ymm"] = "zmm" in asm, "ymm" in asm
    return out


def _blas() -> list:
    from threadpoolctl import threadpool_info

    return [{"internal_api": i.get("internal_api"), "architecture": i.get("architecture")}
            for i in threadpool_info() if i.get("user_api") == "blas"]


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("LINNET_CODEGEN_REPORT")
    if path:
        with open(path, "w") as f:
            json.dump({"numba": _numba_target(), "blas": _blas()}, f)
