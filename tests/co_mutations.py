"""Random edits of real CO files, for the property tests of the parser
(tests/unit/test_co_parser_properties.py) and of the whole loader (tests/e2e/test_poison_files.py)."""

from pathlib import Path

from hypothesis import strategies as st

EXAMPLE_CO = (
    Path(__file__).resolve().parents[1] / "plugins" / "florwork" / "demo" / "savings_example" / "landing" / "co"
)
REAL_FILES = sorted(p.read_bytes() for p in EXAMPLE_CO.glob("CO_*.csv"))


def mutated(original: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    data = bytearray(original)
    for kind, position, piece in edits:
        at = position % (len(data) + 1)
        if kind == 0:
            data[at : at + len(piece)] = piece  # overwrite
        elif kind == 1:
            data[at:at] = piece  # insert
        else:
            del data[at : at + len(piece)]  # delete
    return bytes(data)


EDITS = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.integers(0, 1 << 16),
        st.one_of(st.binary(min_size=1, max_size=4), st.sampled_from([b"\x00", b";", b'"', b"\r\n", b"\n", b"\xff"])),
    ),
    max_size=6,
)
