"""Builds compile the translation catalogues into the package (see zi/catalogs.py)."""

import runpy
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogs(build_py):
    def run(self):
        catalogs = runpy.run_path(str(Path(__file__).parent / "zi" / "catalogs.py"))
        catalogs["compile_catalogs"]()
        super().run()


setup(cmdclass={"build_py": BuildPyWithCatalogs})
