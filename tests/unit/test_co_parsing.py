"""The CO contract's parsing rules, line by line (plugins/florwork/contract_files/parse.md)."""

import pytest
from florwork import errors
from florwork.extract.co_files import parse

VALID_CF = "MMFRDF75C25G846C"


def line(**overrides):
    values = dict.fromkeys(parse.COLUMNS, "")
    values.update(
        id_comunicazione="CO1",
        tipo_evento="ASSUNZIONE",
        data_invio="06/02/2025",
        cf_lavoratore=VALID_CF,
        tipo_contratto="A.01.00",
        data_inizio="05/02/2025",
        orario="PT",
        ore_settimanali="20,5",
        denominazione_datore="Società Città Verde",
    )
    values.update(overrides)
    return ";".join(values[c] for c in parse.COLUMNS)


def test_a_valid_line_is_typed():
    row = parse.parse_line(line())
    assert row["data_inizio"].isoformat() == "2025-02-05"
    assert str(row["ore_settimanali"]) == "20.5"
    assert row["data_fine"] is None
    assert row["_cf_valid"] is True


def test_omocodic_cf_is_valid_and_bad_check_character_is_not():
    from stdnum.it import codicefiscale

    assert codicefiscale.is_valid(VALID_CF)
    # Omocodia: the last digit of the municipality code (6) becomes its letter (S).
    body = VALID_CF[:14] + "S"
    omocodic = body + codicefiscale.calc_check_digit(body)
    assert parse.parse_line(line(cf_lavoratore=omocodic))["_cf_valid"] is True
    assert parse.parse_line(line(cf_lavoratore=VALID_CF[:-1] + "A"))["_cf_valid"] is False


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"data_inizio": "31/02/2025"}, "impossible date"),
        ({"data_invio": "2025-02-06"}, "not a dd/mm/yyyy date"),
        ({"ore_settimanali": "20.5"}, "not a decimal with a comma"),
        ({"id_comunicazione": ""}, "id_comunicazione is empty"),
        ({"tipo_evento": "PROROGA", "id_comunicazione_rif": ""}, "required for PROROGA"),
        ({"tipo_evento": "CESSAZIONE", "id_comunicazione_rif": "CO0"}, "data_cessazione is empty"),
        ({"id_comunicazione_rif": "CO0"}, "must be empty for ASSUNZIONE"),
    ],
)
def test_bad_values_say_why(overrides, reason):
    with pytest.raises(errors.RowError, match=reason):
        parse.parse_line(line(**overrides))


def test_wrong_number_of_fields():
    with pytest.raises(errors.RowError, match="expected 18 fields, found 17"):
        parse.parse_line(line().rsplit(";", 1)[0])


def test_quoted_field_with_separator_and_quote():
    text = line(denominazione_datore='"Pulizie ""Oltrarno""; Soc. Coop."')
    assert parse.parse_line(text)["denominazione_datore"] == 'Pulizie "Oltrarno"; Soc. Coop.'


@pytest.mark.parametrize(
    "text",
    [
        line(),
        line(denominazione_datore="L'Artigiana  "),
        line(denominazione_datore="a\\b"),
        line(denominazione_datore="a\rb"),
        line(denominazione_datore="a\x00b"),
        line() + ";",
        "",
        ";",
        "a",
        line(denominazione_datore='"Bar;Tabacchi"'),
        line(denominazione_datore='"unterminated'),
        line(denominazione_datore='a"b'),
    ],
)
def test_fields_are_split_as_the_csv_reader_splits_them(text):
    """Lines without quotes are split without building a csv.reader: the fields, or the
    error, must be what the reader gives."""
    import csv

    def outcome(split):
        try:
            return split(text)
        except csv.Error as exc:
            return str(exc)

    reader = outcome(lambda t: next(csv.reader([t], delimiter=";", quotechar='"', strict=True), []))
    assert outcome(parse.split_fields) == reader


def test_bytes_that_are_not_latin1_text():
    with pytest.raises(errors.RowError, match="not Latin-1 text"):
        parse.decode_line(b"CO1;ASSUNZIONE\x00;x")
    with pytest.raises(errors.RowError, match="UTF-8"):
        parse.decode_line("Società".encode("utf-8"))
    assert parse.decode_line("Società Città".encode("latin-1")) == "Società Città"


def test_unreadable_files_are_rejected_whole(tmp_path):
    wrong = tmp_path / "CO_20250101.csv"
    wrong.write_bytes(b"id;tipo\r\n1;2\r\n")
    with pytest.raises(errors.RowError, match="wrong header"):
        parse.parse_file(wrong)
    empty = tmp_path / "CO_20250102.csv"
    empty.write_bytes((parse.HEADER + "\r\n").encode("latin-1"))
    with pytest.raises(errors.RowError, match="no rows"):
        parse.parse_file(empty)
    binary = tmp_path / "CO_20250103.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(errors.RowError, match="not Latin-1"):
        parse.parse_file(binary)


def test_file_names_and_order():
    names = ["CO_20250203_2.csv", "CO_20250203.csv", "CO_20250101.csv", "CO_20250203_10.csv"]
    from pathlib import Path

    assert [p.name for p in sorted(map(Path, names), key=parse.sort_key)] == [
        "CO_20250101.csv",
        "CO_20250203.csv",
        "CO_20250203_2.csv",
        "CO_20250203_10.csv",
    ]
    assert parse.file_date("CO_20250231.csv") is None
    assert parse.file_date("notes.txt") is None
