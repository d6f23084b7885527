"""Checks for plugins that ship rule packs built from reference data by a script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def assert_build_reproduces(script: Path, data: Path, shipped: Path, out: Path) -> None:
    """Run a plugin's pack build script into ``out`` and assert it writes exactly the packs the
    plugin ships in ``shipped``, file for file and byte for byte.

    The script is called as ``bash SCRIPT DATA OUT`` with this interpreter's directory first
    on ``PATH`` and this process's ``sys.path`` as ``PYTHONPATH``, so it runs the code under
    test. A pack edited by hand, or a compiler change not followed by a rebuild, fails here.
    """
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    subprocess.run(
        ["bash", str(script), str(data), str(out)], check=True, env=env, capture_output=True
    )
    expected = sorted(p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file())
    built = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert built == expected, f"{script.name} writes {built}, the plugin ships {expected}"
    for path in expected:
        assert (shipped / path).read_bytes() == (out / path).read_bytes(), (
            f"{path} differs from what {script.name} builds: rebuild the packs"
        )
