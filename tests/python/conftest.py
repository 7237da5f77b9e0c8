# SPDX-License-Identifier: MIT
"""Test setup: the binding from this tree, the library and CLI built by CMake."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
CORPUS = ROOT / "tests" / "data" / "corpus"
FLOW_BIN = os.environ.get("FLOW_BIN", str(ROOT / "build" / "flow"))
os.environ.setdefault("FLOW_LIBRARY", str(ROOT / "build" / "capi" / "libflow_c.so"))
