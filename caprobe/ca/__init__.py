"""Channel Access backends. Nothing in this package imports Qt.

``create_backend`` picks one by name: an explicit argument, else the
``CAPROBE_BACKEND`` environment variable, else ``auto`` (libca through
pyepics when it loads, caproto otherwise).
"""
from __future__ import annotations

import logging
import os

from caprobe.ca.base import DEFAULT_PUT_TIMEOUT, Backend, ChannelListener, PutCallback, Subscription

log = logging.getLogger(__name__)

#: Names accepted by ``create_backend``, ``--backend`` and ``CAPROBE_BACKEND``.
BACKEND_CHOICES = ("auto", "pyepics", "caproto")
ENV_VAR = "CAPROBE_BACKEND"


class UnknownBackendError(ValueError):
    """Raised for a backend name that is not one of BACKEND_CHOICES."""


def resolve_backend_name(name: str | None = None) -> str:
    """The concrete backend name for an argument, the environment or auto."""
    requested = name or os.environ.get(ENV_VAR) or "auto"
    requested = requested.strip().lower()
    if requested not in BACKEND_CHOICES:
        source = "argument" if name else ENV_VAR
        raise UnknownBackendError(
            f"unknown CA backend {requested!r} (from {source}); "
            f"choose one of: {', '.join(BACKEND_CHOICES)}")
    if requested != "auto":
        return requested
    try:
        from caprobe.ca.pyepics_backend import load_libca

        load_libca()
        return "pyepics"
    except Exception as exc:  # ImportError, OSError from ctypes, ...
        log.warning("libca could not be loaded (%s); using the caproto backend", exc)
        return "caproto"


def create_backend(name: str | None = None) -> Backend:
    """Build the backend for ``name`` (see module docstring)."""
    concrete = resolve_backend_name(name)
    if concrete == "pyepics":
        from caprobe.ca.pyepics_backend import PyepicsBackend

        backend: Backend = PyepicsBackend()
    else:
        from caprobe.ca.caproto_backend import CaprotoBackend

        backend = CaprotoBackend()
    log.info("CA backend: %s", backend.describe())
    return backend


__all__ = [
    "BACKEND_CHOICES",
    "DEFAULT_PUT_TIMEOUT",
    "Backend",
    "ChannelListener",
    "PutCallback",
    "Subscription",
    "UnknownBackendError",
    "create_backend",
    "resolve_backend_name",
]
