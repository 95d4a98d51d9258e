"""The synthetic sources: contracts' formats, determinism, dirt at its rates, appending."""

import hashlib
import math
import re

from conftest import fresh_platform, query
from florwork import contracts, months
from florwork.extract.co_files import parse
from florwork.generate import write
from florwork.generate.simulate import DIRT_DEFAULTS

TABLES = [
    (conn, t)
    for conn, source in (("sis_source", "sis"), ("partner_source", "partner"), ("ipl_source", "ipl"))
    for t in contracts.tables(source)
]


def fingerprint(platform) -> dict:
    prints = {}
    for conn_id, table in TABLES:
        prints[table.qualified] = query(
            conn_id,
            f"select count(*), md5(coalesce(string_agg(t::text, '|' order by "
            f"{table.primary_key}), '')) from {table.qualified} t",
        )[0]
    folder = platform.co_landing_dir() / "co"
    prints["files"] = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}
    return prints


EARLY = months.parse_month("2024-08")


def test_same_seed_same_output_and_appending_equals_generating_at_once(platform):
    write.generate("demo", 7, EARLY, progress=print)
    early = fingerprint(platform)
    early_payments = dict(query("sis_source", "select id_erogazione, aggiornato_il from sis.erogazioni"))
    early_referrals = dict(query("sis_source", "select id_segnalazione, esito from sis.segnalazioni"))
    write.generate("demo", 7, months.parse_month("2025-06"), progress=print)
    appended = fingerprint(platform)
    later_payments = dict(query("sis_source", "select id_erogazione, aggiornato_il from sis.erogazioni"))

    # Earlier rows are kept; changed ones carry a later aggiornato_il; earlier files are untouched.
    assert set(early_payments) <= set(later_payments)
    changed = [k for k in early_payments if later_payments[k] != early_payments[k]]
    assert changed and all(later_payments[k] > early_payments[k] for k in changed)
    assert query(
        "sis_source",
        "select count(*) from sis.erogazioni where stato = 'ANNULLATO' and id_erogazione = any(%s)",
        (changed,),
    ) == [(len(changed),)]
    # Referrals pending at the end of August 2024 (the second edition starts in October)
    # are decided later, with their decision's aggiornato_il after the first delivery.
    pending_then = [k for k, v in early_referrals.items() if v is None]
    assert pending_then, "seed 7 leaves referrals pending at the end of August 2024: the test needs some"
    decided = query(
        "sis_source",
        "select count(*), min(aggiornato_il) from sis.segnalazioni "
        "where esito is not null and id_segnalazione = any(%s)",
        (pending_then,),
    )[0]
    assert decided[0] == len(pending_then) and decided[1] >= months.month_cutoff(EARLY)
    for name, digest in early["files"].items():
        assert appended["files"][name] == digest

    # The same seed through the same month at once gives the same rows and bytes.
    fresh_platform()
    write.generate("demo", 7, months.parse_month("2025-06"), progress=print)
    assert fingerprint(platform) == appended
    # ... and another seed does not.
    fresh_platform()
    write.generate("demo", 8, months.parse_month("2025-06"), progress=print)
    assert fingerprint(platform)["sis.assistiti"] != appended["sis.assistiti"]
    assert fingerprint(platform)["ipl.candidature"] != appended["ipl.candidature"]


def test_files_follow_the_contract(platform):
    write.generate("demo", 3, months.parse_month("2025-12"), {k: 0.0 for k in DIRT_DEFAULTS}, progress=print)
    folder = platform.co_landing_dir() / "co"
    files = sorted(folder.iterdir())
    assert len(files) > 50
    names_with_accents = 0
    for path in files:
        assert parse.FILE_NAME.match(path.name)
        data = path.read_bytes()
        assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
        parsed = parse.parse_file(path)  # raises on a file that breaks the contract
        assert parsed.bad == [], parsed.bad[:3]
        for row in parsed.good:
            names_with_accents += any(ch in row["denominazione_datore"] for ch in "àèéìòù")
            if row["ore_settimanali"] is not None:
                assert re.search(r";\d+(,\d+)?;", row["_raw_line"])
    assert names_with_accents > 0  # Latin-1 names survive the round trip
    assert query("sis_source", "select count(*) from sis.assistiti where nome ~ '[àèéìòùíúñ]'")[0][0] > 0


def within(observed: int, trials: int, rate: float) -> bool:
    """Binomial count within 4.5 standard deviations of its expectation."""
    expected = trials * rate
    return abs(observed - expected) <= 4.5 * math.sqrt(max(expected * (1 - rate), 1.0)) + 1


def test_every_kind_of_dirt_appears_at_its_configured_rate(platform):
    rates = {k: 0.06 for k in DIRT_DEFAULTS}
    state = write.generate("demo", 11, months.parse_month("2026-11"), rates, progress=print)
    counts, trials = state["dirt_counts"], state["dirt_trials"]
    for kind, rate in rates.items():
        assert trials[kind] >= 12, f"{kind}: only {trials[kind]} opportunities"
        assert counts.get(kind, 0) > 0, f"{kind} never appears"
        assert within(counts.get(kind, 0), trials[kind], rate), (kind, counts.get(kind), trials[kind])

    # What the manifest counts is what is in the sources.
    assert (
        query("sis_source", "select count(*) from sis.erogazioni where stato = 'ANNULLATO'")[0][0]
        <= counts["payment_cancelled"]
    )
    from stdnum.it import codicefiscale

    cfs = [r[0] for r in query("sis_source", "select codice_fiscale from sis.assistiti")]
    assert sum(not codicefiscale.is_valid(cf) for cf in cfs) == counts["sis_invalid_cf"]
    omocodic = sum(
        codicefiscale.is_valid(cf) and not cf[6:8].isdigit() or (codicefiscale.is_valid(cf) and not cf[14].isdigit())
        for cf in cfs
    )
    assert omocodic >= counts["omocodic_cf"] * 0.5
    folder = platform.co_landing_dir() / "co"
    resent = [p for p in folder.iterdir() if re.search(r"_\d+\.csv$", p.name)]
    assert len(resent) >= counts["resent_day"] + counts["duplicate_delivery"] - 3
    lowercase = query(
        "partner_source", "select count(*) from partner.percorsi where codice_fiscale <> upper(codice_fiscale)"
    )[0][0]
    lowercase += query(
        "partner_source", "select count(*) from partner.profilazioni where codice_fiscale <> upper(codice_fiscale)"
    )[0][0]
    assert lowercase > 0
    reasons = {"co_bad_cf": 0, "co_impossible_date": 0, "co_wrong_field_count": 0, "co_not_latin1": 0}
    for path in folder.iterdir():
        parsed = parse.parse_file(path)
        for _, _, reason in parsed.bad:
            reasons["co_impossible_date"] += "impossible date" in reason
            reasons["co_wrong_field_count"] += "fields, found" in reason
            reasons["co_not_latin1"] += "UTF-8" in reason or "not Latin-1" in reason
        reasons["co_bad_cf"] += sum(not row["_cf_valid"] for row in parsed.good)
    for kind, seen in reasons.items():
        assert seen > 0 and seen <= counts[kind] * 2 + 2, (kind, seen, counts[kind])


def test_generating_into_sources_of_another_dataset_is_refused(platform):
    write.generate("demo", 1, months.parse_month("2024-06"), progress=print)
    try:
        write.generate("demo", 2, months.parse_month("2024-12"), progress=print)
    except write.GenerateError as exc:
        assert "seed 1" in str(exc)
    else:
        raise AssertionError("a second seed was generated over the first")


def test_bologna_applicants_share_the_other_sources_and_carry_their_dirt(platform):
    """Applicants known to social services have their SIS CF; their hirings are in the CO files
    with the board's tax codes; every kind of Bologna dirt is in the source as described."""
    from stdnum.it import codicefiscale

    rates = {k: 0.08 for k in DIRT_DEFAULTS if k.startswith("ipl_")}
    state = write.generate("demo", 13, months.parse_month("2026-06"), rates, progress=print)
    counts = state["dirt_counts"]
    applications = query(
        "ipl_source",
        "select id_candidatura, upper(codice_fiscale), stato, id_candidatura_originale, data_candidatura "
        "from ipl.candidature",
    )
    cfs = {cf for _, cf, _, _, _ in applications}
    sis = {r[0] for r in query("sis_source", "select upper(codice_fiscale) from sis.assistiti")}
    known = cfs & sis
    assert 0.15 < len(known) / len(cfs) < 0.45, (len(known), len(cfs))

    # Mistyped CFs (the ones never fixed at an interview) fail their check character.
    invalid = [cf for cf in cfs if not codicefiscale.is_valid(cf)]
    assert 0 < len(invalid) <= counts["ipl_mistyped_cf"]
    # Flagged duplicates point at an earlier application of the same person (the same CF, or
    # the same mistyped one the desk fixed on the original only); unflagged ones are a second
    # application of the same CF that nobody flagged.
    by_id = {a[0]: a for a in applications}
    flagged = [a for a in applications if a[2] == "DUPLICATA"]
    assert flagged and all(by_id[a[3]][1][:15] == a[1][:15] and by_id[a[3]][4] <= a[4] for a in flagged)
    per_cf: dict = {}
    for a in applications:
        if a[2] != "DUPLICATA":
            per_cf.setdefault(a[1], []).append(a)
    assert any(len(v) > 1 for v in per_cf.values()), "an unflagged second application"

    # Re-interviews, one of them with another outcome; hirings before the first interview.
    reinterviewed = query(
        "ipl_source",
        "select id_candidatura, count(distinct esito) from ipl.colloqui group by 1 having count(*) > 1",
    )
    assert reinterviewed and any(n > 1 for _, n in reinterviewed)
    # Companies that left, a sole trader (a valid personal CF), reversals of real expenses.
    companies = query("ipl_source", "select cf_azienda, data_uscita from ipl.aziende")
    assert any(left for _, left in companies)
    assert any(len(cf) == 16 and codicefiscale.is_valid(cf) for cf, _ in companies)
    reversals = query(
        "ipl_source",
        "select s.tipo, s.importo = r.importo, s.data_movimento <= r.data_movimento from ipl.movimenti_fondo r "
        "join ipl.movimenti_fondo s on s.id_movimento = r.id_movimento_rif where r.tipo = 'STORNO'",
    )
    assert reversals and all(r == ("SPESA", True, True) for r in reversals)
    assert len(reversals) <= counts["ipl_reversed_expense"]

    # The applicants' jobs are in the same CO files as Florence's, with the board's tax codes.
    from florwork.extract.co_files import parse

    workers, employers = set(), set()
    for path in (platform.co_landing_dir() / "co").iterdir():
        for row in parse.parse_file(path).good:
            if row["tipo_evento"] == "ASSUNZIONE":
                workers.add(row["cf_lavoratore"].strip().upper())
                employers.add(row["cf_datore"])
    assert len(cfs & workers) > 20
    assert len({cf for cf, _ in companies} & employers) > 5
    assert known & workers, "an applicant known to social services hired"
