"""Custom tool results from files: UTF-8 text only, capped, with one-sentence refusals."""

from __future__ import annotations

import pytest

from drover.sync import tool_results
from drover.sync.outbox import build_events
from drover.sync.tool_results import ResultFileError, custom_result_payload, read_result_file


def test_a_text_file_is_read_whole(tmp_path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("línea 1\nline 2\n", encoding="utf-8")
    assert read_result_file(path) == "línea 1\nline 2\n"


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda d: d / "missing.txt", "no such file"),
        (lambda d: d, "is not a file"),
        (lambda d: (d / "bin").write_bytes(b"\xff\xfe\x00") and d / "bin", "not UTF-8 text"),
    ],
)
def test_unsendable_files_are_refused_with_a_reason(tmp_path, make, says) -> None:
    with pytest.raises(ResultFileError, match=says):
        read_result_file(make(tmp_path))


def test_a_file_over_the_cap_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(tool_results, "MAX_RESULT_BYTES", 4)
    path = tmp_path / "big.txt"
    path.write_text("12345", encoding="utf-8")
    with pytest.raises(ResultFileError, match="capped"):
        read_result_file(path)


def test_the_payload_becomes_one_text_block() -> None:
    payload = custom_result_payload("sevt_1", "42", is_error=True)
    assert build_events("custom_tool_result", payload) == [
        {"type": "user.custom_tool_result", "custom_tool_use_id": "sevt_1",
         "content": [{"type": "text", "text": "42"}], "is_error": True}
    ]  # fmt: skip
