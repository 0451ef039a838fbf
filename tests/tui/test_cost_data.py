"""The cost screen's data, apart from the screen."""

from drover.store.models import LedgerRow
from drover.tui.viewmodel.cost_data import daily_series


def test_daily_series_fills_quiet_days():
    days = [
        LedgerRow(day, None, 1, cents, 0, 0, 0, 0, 0, 0.0)
        for day, cents in (("2026-05-09", 5), ("2026-05-12", 7))
    ]
    assert daily_series(days) == [
        ("2026-05-09", 5),
        ("2026-05-10", 0),
        ("2026-05-11", 0),
        ("2026-05-12", 7),
    ]
    assert daily_series([]) == []
