"""Loading of the employment centres' daily CO files (plugins/florwork/contract_files/co_files.md).

Every file in ``<landing>/co`` is registered in ``ops.co_files`` by name, size and
sha256, and loaded once: the same content under another name is recorded as a
duplicate delivery and not loaded again; a re-sent day (``_N``) adds only the notices
not seen before. Each line is parsed exactly as the contract says (ISO-8859-1, ``;``,
``"`` quoting, CRLF, dd/mm/yyyy, comma decimals); a line that cannot be parsed goes to
``quarantine.co_rows`` with its file, line number, raw text and reason, and the rest of
the file loads. A notice referring to a relationship not received yet waits there
(``is_pending``) and is loaded by the first run that has its relationship. A file that
cannot be read at all is rejected whole, and the other files still load.

The package follows the load's steps: ``parse`` (a file's lines into typed rows),
``land`` (the run's files into the landing table), ``classify`` (each row's fate, in
SQL), ``publish`` (raw, quarantine, the ledger and the file registry in one
transaction; waiting notices released) and ``load`` (the run, under its lock). Their
SQL programs are in ``sql/``.
"""

from florwork.extract.co_files.load import co_folder, load_co_files

__all__ = ["co_folder", "load_co_files"]
