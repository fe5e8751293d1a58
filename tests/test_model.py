"""Value coercion and formatting: pure functions, no IOC needed."""
from __future__ import annotations

import math

import numpy as np
import pytest

from caprobe.model import (
    FieldType,
    Metadata,
    PutRejected,
    Reading,
    Severity,
    coerce_put_value,
    format_value,
)
from caprobe.model.reading import char_array_text, decode_text


@pytest.mark.parametrize("text,expected", [("1.5", 1.5), (" 2 ", 2.0), ("0x10", 16.0),
                                           (3, 3.0), (np.float32(2.5), 2.5)])
def test_double_accepts_numbers(text, expected):
    assert coerce_put_value(text, FieldType.DOUBLE) == expected


@pytest.mark.parametrize("bad", ["abc", "", "1e400", "nan", "inf", float("nan"), None, "1,5"])
def test_double_refuses(bad):
    with pytest.raises(PutRejected):
        coerce_put_value(bad, FieldType.DOUBLE)


def test_integer_rules():
    assert coerce_put_value("12", FieldType.LONG) == 12
    assert coerce_put_value(4.0, FieldType.SHORT) == 4
    with pytest.raises(PutRejected, match="whole number"):
        coerce_put_value(2.5, FieldType.LONG)
    with pytest.raises(PutRejected, match="outside"):
        coerce_put_value(40000, FieldType.SHORT)
    with pytest.raises(PutRejected, match="outside"):
        coerce_put_value(-1, FieldType.CHAR)


def test_string_limit_is_40_bytes_with_nul():
    assert coerce_put_value("x" * 39, FieldType.STRING) == "x" * 39
    with pytest.raises(PutRejected, match="40"):
        coerce_put_value("x" * 40, FieldType.STRING)
    with pytest.raises(PutRejected):
        coerce_put_value("µ" * 20, FieldType.STRING)  # 40 bytes in UTF-8


def test_enum_by_label_or_index():
    states = ("Off", "On")
    assert coerce_put_value("On", FieldType.ENUM, 1, states) == 1
    assert coerce_put_value("0", FieldType.ENUM, 1, states) == 0
    with pytest.raises(PutRejected, match="'Off', 'On'"):
        coerce_put_value("Auto", FieldType.ENUM, 1, states)
    with pytest.raises(PutRejected, match="out of range"):
        coerce_put_value(2, FieldType.ENUM, 1, states)


def test_char_array_and_numeric_array():
    assert coerce_put_value("hi", FieldType.CHAR, 10) == b"hi\0"
    with pytest.raises(PutRejected, match="holds 9"):
        coerce_put_value("x" * 10, FieldType.CHAR, 10)
    out = coerce_put_value([1, 2, 3], FieldType.DOUBLE, 5)
    assert out.dtype == np.float64 and list(out) == [1, 2, 3]
    with pytest.raises(PutRejected, match="at most 2"):
        coerce_put_value([1, 2, 3], FieldType.DOUBLE, 2)
    with pytest.raises(PutRejected, match="one value"):
        coerce_put_value([1, 2], FieldType.DOUBLE, 1)


def reading(value, **meta):
    return Reading(value, 0.0, Severity.NO_ALARM, "NO_ALARM", Metadata(**meta))


def test_format_precision_units_and_special_values():
    assert format_value(reading(1.23456, precision=2, units="mm")) == "1.23 mm"
    assert format_value(reading(1.23456, precision=2), mode="exponential") == "1.23e+00"
    assert format_value(reading(255, field_type=FieldType.LONG), mode="hex") == "0xFF"
    assert format_value(reading(5, field_type=FieldType.LONG), mode="binary") == "0b101"
    assert format_value(reading(math.nan, precision=2)) == "NaN"
    assert format_value(reading(-math.inf, precision=2), show_units=False) == "-Inf"
    assert format_value(reading(2, field_type=FieldType.ENUM, enum_strings=("a", "b", "c"))) == "c"
    with pytest.raises(ValueError, match="choose one of"):
        format_value(reading(1.0), mode="roman")


def test_char_array_text_escapes_invalid_bytes():
    raw = np.frombuffer(b"ok\xff\xfe then\0garbage", dtype=np.uint8)
    assert char_array_text(raw) == "ok\\xff\\xfe then"
    cwf = reading(raw, field_type=FieldType.CHAR, element_count=32)
    assert format_value(cwf) == "ok\\xff\\xfe then"
    assert decode_text(b"\xb5A") == "µA" and decode_text(b"\xc2\xb5A") == "µA"


def test_split_pvnames_from_pasted_text():
    from caprobe.model import first_pvname, split_pvnames

    text = ' "XF:31ID:a", XF:31ID:b;XF:31ID:c\n\tXF:31ID:a  '
    assert split_pvnames(text) == ["XF:31ID:a", "XF:31ID:b", "XF:31ID:c"]
    assert first_pvname(text) == "XF:31ID:a"
    assert first_pvname(" ,; ") == "" and split_pvnames("") == []


def test_parse_entry_checks_type_and_control_limits():
    from caprobe.model import FieldType, Metadata, PutRejected, parse_entry

    ao = Metadata(field_type=FieldType.DOUBLE, units="V", control_limits=(0.0, 10.0))
    assert parse_entry(" 2.5 ", ao) == 2.5
    for text, reason in (("12", "above the control limit 10 V"),
                         ("-1", "below the control limit 0 V"), ("x", "not a number")):
        with pytest.raises(PutRejected, match=reason):
            parse_entry(text, ao)
    unlimited = Metadata(field_type=FieldType.LONG, control_limits=(0.0, 0.0))
    assert parse_entry("0x10", unlimited) == 16  # 0…0 means "no limits", as in EPICS
    enum = Metadata(field_type=FieldType.ENUM, enum_strings=("Off", "On"))
    assert parse_entry("On", enum) == 1
    wf = Metadata(field_type=FieldType.DOUBLE, element_count=4)
    assert parse_entry("[1, 2;3 4]", wf) == [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(PutRejected, match="5 elements"):
        parse_entry("1 2 3 4 5", wf)
    text = Metadata(field_type=FieldType.CHAR, element_count=8)
    assert parse_entry("abc", text) == "abc"
    with pytest.raises(PutRejected, match="holds 7"):
        parse_entry("abcdefgh", text)


def test_cainfo_block():
    from caprobe.model import ChannelInfo, ConnectionState, FieldType, Metadata, Reading
    from caprobe.model.cainfo import cainfo_text

    meta = Metadata(field_type=FieldType.DOUBLE, units="mm", precision=2,
                    warning_limits=(-5.0, 5.0))
    info = ChannelInfo(host="ioc1:5064", field_type=FieldType.DOUBLE, element_count=1,
                       read_access=True, write_access=False, backend="pyepics")
    reading = Reading(6.0, 0.0, Severity.MINOR, "HIGH", meta)
    lines = cainfo_text("X:ai", ConnectionState.CONNECTED, info, meta, reading).splitlines()
    assert lines[0] == "X:ai"
    text = "\n".join(lines)
    for part in ("State:", "connected", "Host:", "ioc1:5064", "read, no write", "DBF_DOUBLE",
                 "6.00 mm", "MINOR – HIGH", "-5 … 5", "Units:"):
        assert part in text, part
    # the values line up in one column, as in cainfo
    starts = {len(line) - len(line.split(":", 1)[1].lstrip()) for line in lines[1:]}
    assert len(starts) == 1
