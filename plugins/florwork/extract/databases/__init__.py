"""Incremental extraction of the SIS and partner databases into the raw layer.

Each table is extracted on ``aggiornato_il``: rows changed after the table's high-water
mark (less a safety overlap, for transactions that commit after rows with a later
``aggiornato_il`` were read) and before the run's cutoff. Rows stream from the source's
``COPY ... TO STDOUT`` into the warehouse's ``COPY ... FROM STDIN`` in chunks, never a
whole table in memory. They land in ``raw.landing_<table>`` (committed, so Great
Expectations can read them), are validated, and then, in one transaction, go to
``raw.<table>`` (a version not already there) or ``quarantine.source_rows`` with the
reasons, the ledger row is closed and the mark moves to the cutoff.

A first load (no mark yet: the whole table) is written once instead of twice: it lands
in ``raw.landing_<table>_first``, a table shaped like a partition of ``raw.<table>``;
after validation its failing rows move to quarantine and the table itself is attached
as a partition (``<table>__b<batch id>``), in the same single transaction.

The package follows those steps: ``schema`` (the source table against its contract),
``relay`` (COPY from the source to the warehouse through libpq), ``landing`` (the
landing tables and the stream into them), ``publish`` (a batch into raw and
quarantine), ``partitions`` (a first load attached as a partition) and ``extract``
(the run, under the table's lock). Their SQL programs are in ``sql/``.
"""

from florwork.extract.databases.extract import BatchResult, extract_source, extract_table

__all__ = ["BatchResult", "extract_source", "extract_table"]
