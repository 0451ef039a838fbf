"""Export a mirrored session to Markdown, HTML or JSONL, with secret redaction; import JSONL.

Pure (no Textual, no network): the CLI (`drover export` / `drover import`), the TUI's export
dialog and the benchmarks call the same functions.

* `write_export(reader, session_id, fmt, out, from_seq=…, to_seq=…, redact=True,
  progress=…)` streams one session (or a seq range) to a text stream and returns an
  `ExportSummary`; `resolve_range` turns `--from`/`--to` event ids into that range.
* `import_file(writer, path)` validates a JSONL export and loads it all or nothing.

Modules: `core` (the entry points), `redact` (secret redaction), `document` (what the
documents show), `markdown`, `html` and `jsonl` (the formats; `jsonl` documents the file
format), `importer` (validation and import).
"""

from drover.export.core import (
    FORMATS,
    ExportError,
    ExportSummary,
    Format,
    default_filename,
    resolve_range,
    write_export,
)
from drover.export.importer import ImportFileError, ImportSummary, check_file, import_file
from drover.export.redact import Redactor
from drover.store.imports import ImportConflictError

__all__ = [
    "FORMATS",
    "ExportError",
    "ExportSummary",
    "Format",
    "ImportConflictError",
    "ImportFileError",
    "ImportSummary",
    "Redactor",
    "check_file",
    "default_filename",
    "import_file",
    "resolve_range",
    "write_export",
]
