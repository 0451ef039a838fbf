"""A mirror belongs to one account: bound at first sync, refusing any other afterwards."""

from __future__ import annotations

import pytest

from drover.store.account import AccountBinding, MirrorAccountError
from drover.store.mirror import Mirror


def test_the_first_account_binds_and_the_same_account_is_welcome_again(mirror_location):
    path = mirror_location
    with Mirror.open(path) as mirror:
        assert mirror.reader.account() is None  # a new mirror holds nobody yet
        held = mirror.writer.submit("bind_account", AccountBinding.of("https://api.x.test", None))
        assert held.result().base_url == "https://api.x.test"
    with Mirror.open(path) as mirror:  # after a restart, in another spelling of the same URL
        same = AccountBinding.of("HTTPS://API.X.test/", None)
        assert mirror.writer.submit("bind_account", same).result() == same
        assert mirror.reader.account() == same


@pytest.mark.parametrize(
    ("url", "workspace"),
    [
        ("https://other.x.test", None),
        ("https://api.x.test", "wrkspc_2"),
        ("http://api.x.test", None),
    ],
)
def test_another_endpoint_or_workspace_is_refused_and_nothing_changes(
    mirror_location, url, workspace
):
    with Mirror.open(mirror_location) as mirror:
        first = AccountBinding.of("https://api.x.test", None)
        mirror.writer.submit("bind_account", first).result()
        with pytest.raises(MirrorAccountError) as info:
            mirror.writer.submit("bind_account", AccountBinding.of(url, workspace)).result()
        assert "never mixes two accounts" in str(info.value)
        assert "https://api.x.test" in str(info.value) and url in str(info.value)
        assert mirror.reader.account() == first


def test_a_workspace_is_part_of_the_account_and_named():
    bound = AccountBinding.of("https://api.x.test/", "wrkspc_1")
    assert bound.describe() == "https://api.x.test (workspace wrkspc_1)"
    assert AccountBinding.of("https://api.x.test", "") == AccountBinding.of(
        "https://api.x.test", None
    )
