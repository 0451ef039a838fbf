"""Raw JSON as SQLite stores it: deflated, events against a preset dictionary (v14).

`events.raw` and `sessions.raw` hold either the JSON text (rows from before migration v14, and
every row on PostgreSQL, whose TOAST compresses long values itself) or a BLOB: one byte naming
the dictionary, then the JSON deflated (raw deflate) against that dictionary. Events are short
(about 240 bytes) and alike, so plain deflate saves little; against a dictionary of typical
events it stores about a quarter of the text. A Session object (about 2 KB, most of it its
agent's snapshot) deflates to under half on its own: dictionary 0 is "none".

Every reader of a stored raw value goes through `raw_json` — in Python (`EventRow`,
`SessionRow`, derive, outcomes, platform refs, import) and in SQL as `drover_raw(raw)` (search's
tool name, `tool:` filters, the fleet's launch filter; `Dialect.stored_json`), which every
connection `drover.store.migrations.connect` opens registers (`MirrorConnection`);
`drover_event_text` decodes the same way. Writers encode with `encode_raw` (`insert_indexed`,
a completed queued event) and `stored_session` (`upsert_sessions`).

A dictionary's id names its bytes forever: the bytes of id 1 ship with drover
(`raw_dictionary_1.jsonl`, typical events of the generated benchmark mirror) and are also
stored in the mirror's `raw_dictionaries` table, so the file describes itself (and a tool
without drover can inflate its events). Replacing the dictionary later means shipping id 2 in a
migration that stores it and encoding new rows with it; rows under id 1 stay readable.
"""

from __future__ import annotations

import sqlite3
import zlib
from functools import cache

RAW_FUNCTION = "drover_raw"
DICTIONARY_ID = 1
"""The dictionary new events are encoded with."""
NO_DICTIONARY = 0
"""Session objects: plain deflate (1,862 → 859 B on the generated mirror)."""
_LEVEL = 3  # measured on the generated 1M mirror: 66 B/event at ~15 µs; level 1: 75 B
_WBITS = -15  # raw deflate: no zlib header or checksum (the row is the unit; SQLite pages
# carry no checksum either, and `PRAGMA integrity_check` covers the file)

DICTIONARY_TABLE = """
CREATE TABLE IF NOT EXISTS raw_dictionaries (
    id INTEGER PRIMARY KEY,        -- the first byte of every BLOB encoded with it
    dictionary BLOB NOT NULL       -- zlib preset dictionary (typical events, one a line)
)
"""


class RawDecodeError(ValueError):
    """A stored raw value cannot be decoded (unknown dictionary or damaged bytes)."""


@cache
def shipped_dictionary(dictionary_id: int) -> bytes | None:
    """The bytes drover ships under `dictionary_id` (None: this version knows no such id)."""
    from importlib.resources import files  # when an event is first read or written, not at open

    resource = files("drover.store").joinpath(f"raw_dictionary_{dictionary_id}.jsonl")
    return resource.read_bytes() if resource.is_file() else None


def _dictionary(dictionary_id: int) -> bytes:
    if dictionary_id == NO_DICTIONARY:
        return b""
    found = shipped_dictionary(dictionary_id)
    if found is None:  # only a newer drover's mirror could hold one, and it is refused
        raise RawDecodeError(f"event stored with unknown compression dictionary {dictionary_id}")
    return found


def store_dictionary(conn: sqlite3.Connection) -> None:
    """Create `raw_dictionaries` and record the dictionary new rows use (idempotent)."""
    conn.execute(DICTIONARY_TABLE)
    conn.execute(
        "INSERT OR IGNORE INTO raw_dictionaries(id, dictionary) VALUES (?, ?)",
        (DICTIONARY_ID, _dictionary(DICTIONARY_ID)),
    )


@cache
def _compressor(dictionary_id: int) -> zlib._Compress:
    # Priming a compressor with 32 KB costs ~250 µs; a copy of a primed one costs ~10.
    zdict = _dictionary(dictionary_id)
    if not zdict:
        return zlib.compressobj(_LEVEL, zlib.DEFLATED, _WBITS)
    return zlib.compressobj(_LEVEL, zlib.DEFLATED, _WBITS, 8, zlib.Z_DEFAULT_STRATEGY, zdict)


@cache
def _decompressor(dictionary_id: int) -> zlib._Decompress:
    zdict = _dictionary(dictionary_id)
    return zlib.decompressobj(_WBITS, zdict) if zdict else zlib.decompressobj(_WBITS)


def encode_raw(text: str, dictionary_id: int = DICTIONARY_ID) -> bytes:
    """Raw JSON as SQLite stores it (an event's by default; `NO_DICTIONARY` for a Session)."""
    compressor = _compressor(dictionary_id).copy()
    return bytes((dictionary_id,)) + compressor.compress(text.encode()) + compressor.flush()


def encode_session(text: str) -> bytes:
    """A Session object's raw JSON as SQLite stores it."""
    return encode_raw(text, NO_DICTIONARY)


def stored_session(conn: object, text: str) -> str | bytes:
    """What `sessions.raw` takes on `conn`'s backend (PostgreSQL: the text)."""
    from drover.store.dialect import dialect_of

    return encode_session(text) if dialect_of(conn).name == "sqlite" else text


def raw_json(value: str | bytes) -> str:
    """Raw JSON from its stored value (text as it is; a BLOB decoded).

    Raises:
        RawDecodeError: an unknown dictionary, or bytes that do not inflate.
    """
    if isinstance(value, str):
        return value
    if not value:
        raise RawDecodeError("empty stored raw value")
    try:
        inflater = _decompressor(value[0]).copy()
        data = inflater.decompress(value[1:]) + inflater.flush()
        if not inflater.eof:
            raise RawDecodeError("truncated stored raw value")
        return data.decode()
    except (zlib.error, UnicodeDecodeError) as exc:
        raise RawDecodeError(f"damaged stored raw value: {exc}") from exc


def sql_raw_json(value: str | bytes | None) -> str | None:
    """`drover_raw(raw)` in SQL (NULL stays NULL)."""
    return None if value is None else raw_json(value)
