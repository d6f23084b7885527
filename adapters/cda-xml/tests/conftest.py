"""Make the plugin's source importable when it is not installed (``pytest`` from the repo root).

Installed or not, the tests then exercise this checkout's source.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
