"""Ids by unique prefix, on a real mirror."""

from __future__ import annotations


def test_prefixes_with_or_without_the_kind(mirror):
    events = [
        {"type": "user.message", "id": f"sevt_01AB{n}", "processed_at": f"2026-05-12T10:00:0{n}Z",
         "content": [{"type": "text", "text": "hi"}]}
        for n in range(3)
    ]  # fmt: skip
    mirror.writer.submit("ingest", "sesn_011CaaaX", events[:2]).result()
    mirror.writer.submit("ingest", "sesn_011CbbbY", events[2:]).result()
    reader = mirror.reader
    assert reader.ids_with_prefix("session", "sesn_011Ca") == ["sesn_011CaaaX"]
    assert reader.ids_with_prefix("session", "011Cb") == ["sesn_011CbbbY"]
    assert reader.ids_with_prefix("session", "sesn_011C") == ["sesn_011CaaaX", "sesn_011CbbbY"]
    assert reader.ids_with_prefix("session", "sesn_011CaaaX") == ["sesn_011CaaaX"]
    assert reader.ids_with_prefix("session", "zzz") == []
    assert reader.ids_with_prefix("event", "01AB") == ["sevt_01AB0", "sevt_01AB1", "sevt_01AB2"]
    assert reader.ids_with_prefix("event", "01AB", session_id="sesn_011CbbbY") == ["sevt_01AB2"]
