"""``ConnectionTally``: how many of a window's PVs are connected, and which were never found.

The figures and the words behind a "connecting… N of M" progress line.
Pure (no Qt, no clock of its own: callers pass ``now`` from
``time.monotonic``), so the wording is tested without a GUI or an IOC.

A PV is *not found* once it has been searched for ``not_found_after``
seconds without ever connecting, the same rule the probe uses for its
"searching… not found after 3 s". A PV that connected and then lost its
IOC is *disconnected*, which is a different problem for the operator (a
typo versus an IOC that went away), so the two are listed apart.
"""
from __future__ import annotations

#: PV names listed in the one-line summary; the rest are counted ("and 12 more").
NAMES_IN_LINE = 3


class ConnectionTally:
    """Connection state of a set of PV names, in the order they were added.

    Parameters
    ----------
    not_found_after : float
        Seconds of searching after which a never-connected PV counts as not found.
    """

    def __init__(self, not_found_after: float = 3.0) -> None:
        self.not_found_after = float(not_found_after)
        # name -> monotonic time its search began; dicts keep insertion order,
        # which is the order the window shows the PVs in.
        self._since: dict[str, float] = {}
        self._connected: set[str] = set()
        self._ever: set[str] = set()
        #: PVs announced before they are added (a panel still being built),
        #: so the total is right from the first moment.
        self.expected = 0

    # -- changes -------------------------------------------------------------
    def add(self, name: str, *, connected: bool, searching_since: float,
            was_connected: bool = False) -> bool:
        """Start counting ``name``; False if it is counted already (a duplicate)."""
        if name in self._since:
            return False
        self._since[name] = searching_since
        if connected or was_connected:
            self._ever.add(name)
        if connected:
            self._connected.add(name)
        return True

    def set_connected(self, name: str, connected: bool) -> bool:
        """Record a transition; True if it changed anything."""
        if name not in self._since or (name in self._connected) == connected:
            return False
        if connected:
            self._connected.add(name)
            self._ever.add(name)
        else:
            self._connected.discard(name)
        return True

    # -- figures ---------------------------------------------------------------
    def __contains__(self, name: str) -> bool:
        return name in self._since

    @property
    def total(self) -> int:
        return max(self.expected, len(self._since))

    @property
    def connected_count(self) -> int:
        return len(self._connected)

    @property
    def complete(self) -> bool:
        """Every PV (announced ones included) is connected."""
        return self.total > 0 and len(self._connected) == self.total

    def not_found(self, now: float) -> list[str]:
        """Never connected, searched for at least ``not_found_after`` seconds."""
        limit = now - self.not_found_after
        return [name for name, since in self._since.items()
                if name not in self._ever and since <= limit]

    def disconnected(self) -> list[str]:
        """Connected once, not connected now."""
        return [name for name in self._since if name in self._ever
                and name not in self._connected]

    def waiting_for_timeout(self, now: float) -> bool:
        """Some PV is still within its search time: the summary may change by itself."""
        limit = now - self.not_found_after
        return any(name not in self._ever and since > limit
                   for name, since in self._since.items())

    # -- words -------------------------------------------------------------------
    def text(self, now: float) -> str:
        """One line for the operator, e.g. ``498 of 500 PVs connected — 2 not found: A, B``."""
        total, done = self.total, self.connected_count
        if total == 0:
            return ""
        if self.complete:
            return f"All {_pvs(total)} connected"
        missing, lost = self.not_found(now), self.disconnected()
        if not missing and not lost:
            return f"Connecting… {done} of {_pvs(total)} connected"
        parts = []
        if missing:
            parts.append(f"{len(missing)} not found: {name_list(missing)}")
        if lost:
            parts.append(f"{len(lost)} disconnected: {name_list(lost)}")
        still = total - done - len(missing) - len(lost)
        if still:
            parts.append(f"{still} still searching")
        return f"{done} of {_pvs(total)} connected — {'; '.join(parts)}"


def name_list(names: list[str], limit: int = NAMES_IN_LINE) -> str:
    """``A, B, C and 4 more``: enough names to act on, short enough for one line."""
    shown = ", ".join(names[:limit])
    rest = len(names) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def _pvs(count: int) -> str:
    return f"{count} PV" if count == 1 else f"{count} PVs"
