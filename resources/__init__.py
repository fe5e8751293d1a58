"""Data files shipped with caprobe: icons, desktop entry, AppStream metainfo, example panels.

This folder is the package ``caprobe.resources`` in a wheel (see
``[tool.setuptools.package-dir]`` in pyproject.toml). Code never opens these
files by path: use ``caprobe.assets``, which also works from a checkout and
a PyInstaller bundle.
"""
