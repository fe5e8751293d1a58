"""The caproto backend's linear-time receive parses exactly what caproto's own does.

caproto's ``VirtualCircuit.recv`` copies its buffer once per message, which
made the client quadratic in the bytes waiting at each read (see
``caprobe/ca/caproto_receive.py``). The replacement must yield the same
commands, in the same order, however the byte stream is cut into reads.
"""
from __future__ import annotations

import random

import caproto as ca

from caprobe.ca.caproto_receive import install, recv_without_copies


def _client_circuit() -> ca.VirtualCircuit:
    circuit = ca.VirtualCircuit(our_role=ca.CLIENT, address=("127.0.0.1", 5064), priority=0)
    circuit.send(ca.VersionRequest(priority=0, version=13))
    return circuit


def _server_stream() -> bytes:
    """A realistic burst from a server: version, a channel, then many monitor events."""
    messages = [ca.VersionResponse(13),
                ca.CreateChanResponse(data_type=6, data_count=1, cid=1, sid=7)]
    for i in range(3000):
        messages.append(ca.EventAddResponse(
            data=[float(i)], data_type=ca.ChannelType.DOUBLE, data_count=1, status=1,
            subscriptionid=i % 50))
    messages.append(ca.EventAddResponse(
        data=list(range(1000)), data_type=ca.ChannelType.LONG, data_count=1000, status=1,
        subscriptionid=99))  # a waveform, larger than most reads below
    return b"".join(bytes(m) for m in messages)


def _parse(recv, stream: bytes, cuts: list[int]) -> list[tuple]:
    parsed = []
    start = 0
    for end in cuts + [len(stream)]:
        commands, _needed = recv(stream[start:end])
        start = end
        for command in commands:
            data = getattr(command, "data", None)
            parsed.append((type(command).__name__, getattr(command, "subscriptionid", None),
                           None if data is None else list(data)))
    return parsed


def test_same_commands_as_caproto_however_the_stream_is_cut():
    stream = _server_stream()
    rng = random.Random(1234)
    for reads in (1, 7, 500, 5000):
        cuts = sorted(rng.sample(range(1, len(stream)), reads - 1)) if reads > 1 else []
        theirs = _client_circuit()
        ours = _client_circuit()
        expected = _parse(theirs.recv, stream, cuts)
        got = _parse(lambda data: recv_without_copies(ours, data), stream, cuts)
        assert got == expected and len(got) == 3003, reads
        assert ours._data == theirs._data == bytearray()


def test_an_empty_read_means_disconnected_and_install_is_per_circuit():
    circuit = _client_circuit()
    install(circuit)
    install(circuit)  # idempotent
    commands, needed = circuit.recv(b"")
    assert list(commands) == [ca.DISCONNECTED] and needed == 0
    # Only this circuit: caproto's class (and any server in the process) is untouched.
    assert ca.VirtualCircuit.recv is not recv_without_copies
    assert _client_circuit().recv.__func__ is ca.VirtualCircuit.recv
