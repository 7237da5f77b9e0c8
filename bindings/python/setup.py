# SPDX-License-Identifier: MIT
"""The wheel carries libflow_c.so, so it is tagged for the platform (py3-none-<platform>):
the code is pure Python (ctypes), the library is not."""
from setuptools import setup

try:
    from wheel.bdist_wheel import bdist_wheel as _bdist_wheel

    class bdist_wheel(_bdist_wheel):  # noqa: N801 - the command's own name
        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            return ("py3", "none") + super().get_tag()[2:]

    cmdclass = {"bdist_wheel": bdist_wheel}
except ImportError:  # no wheel: an sdist or a plain install still works
    cmdclass = {}

setup(cmdclass=cmdclass)
