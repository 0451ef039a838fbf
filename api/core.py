"""The HTTP core of the client: two httpx clients, headers, the rate budget and retries.

Short calls go through a *control* client; SSE streams through a separate *stream* client
whose pool is sized for the follower count, so a short call never queues behind streams
(each open HTTP/1.1 stream holds a connection for its whole life).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TypeAlias

import httpx

from drover.api.errors import ApiError, ConnectionFailed, api_error_from_response
from drover.api.rate_budget import RateBudget
from drover.api.retry import RetryPolicy, parse_retry_after, request_may_have_been_sent
from drover.api.wire import QueryValue

__all__ = ["ANTHROPIC_VERSION", "BETA", "DEFAULT_BASE_URL", "ClientCore", "encode_params"]

log = logging.getLogger("drover.api")

DEFAULT_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
BETA = "managed-agents-2026-04-01"

EncodedParams: TypeAlias = list[tuple[str, str | int | float | bool | None]]
"""Query parameters ready for httpx (every value is in fact a `str`)."""


def encode_params(params: Mapping[str, QueryValue]) -> EncodedParams:
    """Encode query parameters the way the API parses them (§1.2).

    Lists become bracketed repeated keys (``statuses[]=a&statuses[]=b``), booleans
    ``true``/``false``, datetimes ISO-8601; None values are dropped. Keys are used as given,
    so range filters are passed as ``"created_at[gte]"``.
    """
    out: EncodedParams = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            name = key if key.endswith("[]") else f"{key}[]"
            out.extend((name, _scalar(v)) for v in value)
        else:
            out.append((key, _scalar(value)))
    return out


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class ClientCore:
    """Connection handling shared by every endpoint method.

    Args:
        base_url: API root, e.g. ``https://api.anthropic.com`` or a local sim.
        api_key: the secret; sent as ``x-api-key``; never logged, never in reprs or errors.
        workspace_id: optional ``anthropic-workspace-id`` header.
        rate_budget: the shared budget every request awaits; a fresh default one if None.
        max_streams: concurrent SSE streams allowed; sizes the stream pool.
        transport: optional httpx transport for both clients (tests, proxies).
        retry: retry policy for reads (and for writes the server certainly did not act on).
        timeout: per-request timeout of the control client, seconds.
        connect_timeout: connect timeout for both clients, seconds.
        stall_timeout: default stream watchdog, seconds without a frame or heartbeat.
        extra_betas: further ``anthropic-beta`` values, sent before the managed-agents one.
        verify: TLS verification for both clients (an SSLContext, or a bool); default:
            one shared system-CA context for https, nothing for http.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str = "",
        *,
        workspace_id: str | None = None,
        rate_budget: RateBudget | None = None,
        max_streams: int = 500,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        stall_timeout: float = 60.0,
        extra_betas: Iterable[str] = (),
        verify: ssl.SSLContext | bool | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required")
        if max_streams < 1:
            raise ValueError("max_streams must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.workspace_id = workspace_id
        self.rate_budget = rate_budget if rate_budget is not None else RateBudget()
        self.retry_policy = retry if retry is not None else RetryPolicy()
        self.max_streams = max_streams
        self.stall_timeout = stall_timeout
        headers = {
            "x-api-key": api_key,
            "anthropic-version": ANTHROPIC_VERSION,
            "anthropic-beta": ",".join([*extra_betas, BETA]),
            "user-agent": "drover/0.1",
        }
        if workspace_id:
            headers["anthropic-workspace-id"] = workspace_id
        # Building an SSL context costs ~75 ms: make one for both clients, and none at all
        # for a plain-http base URL (the local sim), which keeps cold start fast.
        if verify is None:
            verify = httpx.create_ssl_context() if self.base_url.startswith("https:") else False
        self._control = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            transport=transport,
            verify=verify,
        )
        # Read timeout is off for streams: the stall watchdog owns liveness, and httpx's
        # per-chunk read timeout would reset on every heartbeat anyway.
        self._stream = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(connect_timeout, read=None),
            limits=httpx.Limits(max_connections=max_streams, max_keepalive_connections=max_streams),
            transport=transport,
            verify=verify,
        )
        self._stream_slots = asyncio.Semaphore(max_streams)
        self._open_streams = 0

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, workspace_id={self.workspace_id!r})"
        )

    @property
    def open_streams(self) -> int:
        """How many SSE streams are open right now."""
        return self._open_streams

    async def aclose(self) -> None:
        """Close both connection pools (and the budget's shared-window files)."""
        await self._control.aclose()
        await self._stream.aclose()
        self.rate_budget.close()

    async def __aenter__(self) -> ClientCore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json: object = None,
        retry: bool = True,
    ) -> object:
        """Send one API call through the control client and return the parsed JSON body.

        Every attempt (first and retries) awaits the rate budget. See
        :class:`~drover.api.retry.RetryPolicy` for what is retried.

        Args:
            method: HTTP method.
            path: path under the base URL, e.g. ``/v1/sessions``.
            params: query parameters, encoded by :func:`encode_params`.
            json: request body.
            retry: False disables every retry (used by sends).

        Returns:
            The decoded JSON body, or None for an empty body.

        Raises:
            ApiError: (a subclass) for an error status after retries.
            ConnectionFailed: for a network failure after retries.
        """
        response = await self._respond(method, path, params=params, json=json, retry=retry)
        return _decode_body(response)

    async def request_bytes(
        self, method: str, path: str, *, params: Mapping[str, QueryValue] | None = None
    ) -> tuple[bytes, str | None]:
        """Like :meth:`request`, but hand back the undecoded body and the request id (list
        pages are decoded item by item, see :mod:`drover.api.page_body`)."""
        response = await self._respond(method, path, params=params, json=None, retry=True)
        return response.content, response.headers.get("request-id")

    async def _respond(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None,
        json: object,
        retry: bool,
    ) -> httpx.Response:
        """One call with its retries; the successful response (error statuses raise)."""
        query = encode_params(params or {})
        bucket = RateBudget.classify(method)
        policy = self.retry_policy
        attempt = 0
        while True:
            await self.rate_budget.acquire(bucket)
            try:
                response = await self._control.request(method, path, params=query, json=json)
            except httpx.TransportError as exc:
                if (
                    retry
                    and attempt < policy.max_retries
                    and policy.should_retry_exception(method, exc)
                ):
                    attempt += 1
                    delay = policy.backoff(attempt)
                    log.debug(
                        "%s %s: %s, retry %d in %.2fs",
                        method,
                        path,
                        type(exc).__name__,
                        attempt,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    continue
                raise connection_failed(method, path, exc) from None
            if response.status_code < 400:
                return response
            retry_after = parse_retry_after(response.headers)
            error = api_error_from_response(response, retry_after)
            if (
                retry
                and attempt < policy.max_retries
                and policy.should_retry_status(
                    method, response.status_code, response.headers, retry_after
                )
            ):
                attempt += 1
                delay = policy.delay_for(attempt, retry_after)
                log.debug(
                    "%s %s: %d, retry %d in %.2fs",
                    method,
                    path,
                    response.status_code,
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            raise error


def connection_failed(
    method: str, path: str, exc: httpx.TransportError | httpx.StreamError
) -> ConnectionFailed:
    """Wrap an httpx network error without chaining it (its request holds the key header)."""
    detail = str(exc) or type(exc).__name__
    return ConnectionFailed(
        f"{method} {path}: {type(exc).__name__}: {detail}",
        maybe_sent=request_may_have_been_sent(exc),
    )


def _decode_body(response: httpx.Response) -> object:
    if not response.content:
        return None
    try:
        return response.json()
    except (ValueError, RecursionError):  # RecursionError: JSON nested ~1,000 deep
        raise ApiError(
            "response body is not JSON",
            status=response.status_code,
            request_id=response.headers.get("request-id"),
        ) from None
