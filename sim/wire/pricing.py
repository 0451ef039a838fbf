"""List prices: what a session's tokens and running time cost, as the API's cents strings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: USD per million tokens, (input, output), by model class. Unknown models price as sonnet.
PRICES: dict[str, tuple[float, float]] = {
    "opus": (5.0, 25.0),
    "sonnet": (3.0, 15.0),
    "haiku": (1.0, 5.0),
}
#: Cache reads and writes, as multiples of the input price.
CACHE_READ_FACTOR = 0.1
CACHE_WRITE_FACTOR = 1.25
#: USD per hour of session runtime (status ``running``).
RUNTIME_PER_HOUR = 0.08


def model_class(model_id: str) -> str:
    """The price class (``opus``/``sonnet``/``haiku``) of a model id."""
    lowered = model_id.lower()
    for name in PRICES:
        if name in lowered:
            return name
    return "sonnet"


def token_cost_usd(model_id: str, usage: dict) -> float:
    """USD list price of the tokens in a ``usage`` dict (session-usage shape).

    Args:
        model_id: The model that produced the tokens.
        usage: ``input_tokens``, ``output_tokens``, ``cache_read_input_tokens`` and
            ``cache_creation.ephemeral_5m_input_tokens`` / ``_1h_``.
    """
    price_in, price_out = PRICES[model_class(model_id)]
    cache = usage.get("cache_creation") or {}
    writes = cache.get("ephemeral_5m_input_tokens", 0) + cache.get("ephemeral_1h_input_tokens", 0)
    micro = (
        usage.get("input_tokens", 0) * price_in
        + usage.get("output_tokens", 0) * price_out
        + usage.get("cache_read_input_tokens", 0) * price_in * CACHE_READ_FACTOR
        + writes * price_in * CACHE_WRITE_FACTOR
    )
    return micro / 1_000_000


def runtime_cost_usd(active_seconds: float) -> float:
    """USD list price of ``active_seconds`` of running time."""
    return active_seconds / 3600 * RUNTIME_PER_HOUR


def to_cents(usd: float) -> int:
    """Round USD to whole cents (half up), the unit of ``list_cost.amount``."""
    return int((Decimal(repr(usd)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def money(cents: int) -> dict:
    """A ``BetaMonetaryAmount``: integer cents as a string, USD."""
    return {"amount": str(cents), "currency": "USD"}


def budget_cents(budget: dict | None) -> int | None:
    """The cap of a (validated) session ``budget`` in cents, or ``None`` without a budget."""
    return int(budget["max_list_cost"]["amount"]) if budget else None
