"""Property tests of the CO parser (plugins/florwork/extract/co_files/parse.py): whatever
bytes a file holds, parsing either rejects the file with a reason or accounts for every
line, each parsed or refused with a reason, and a refused line can be stored as it came."""

from co_mutations import EDITS, REAL_FILES, mutated
from florwork.errors import RowError
from florwork.extract.co_files import parse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st


def check(data: bytes) -> None:
    try:
        parsed = parse.parse_bytes(data)
    except RowError as exc:  # the whole file is refused, with its reason
        assert str(exc)
        return
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    assert parsed.rows_read == len(lines) - 1 == len(parsed.good) + len(parsed.bad)
    numbers = sorted([r["_line_number"] for r in parsed.good] + [b[0] for b in parsed.bad])
    assert numbers == list(range(2, len(lines) + 1))  # every line once, by its number
    for number, raw_line, reason in parsed.bad:
        assert reason
        text, exact = parse.storable(raw_line)
        assert "\x00" not in text
        assert (exact if exact is not None else text.encode("latin-1")) == lines[number - 1].removesuffix(b"\r")
    for row in parsed.good:
        assert "\x00" not in row["_raw_line"] and len(row["_row_checksum"]) == 32


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
@example(b"")
@example(b"\x00" * 10)
def test_any_bytes(data):
    check(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=500))
def test_any_bytes_after_the_header(data):
    check(parse.HEADER.encode() + b"\r\n" + data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(REAL_FILES), EDITS)
def test_mutated_real_files(original, edits):
    check(mutated(original, edits))
