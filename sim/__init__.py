"""`drover sim`: a local server that speaks the Managed Agents wire protocol.

It stands in for somebody else's server, so it imports nothing else of drover (api, sync,
store, tui, config, cli…) and no Textual; drover's command line (``drover.cli.cmd_sim``)
imports it, never the reverse.

Layers, top to bottom. A module imports its own layer and the layers below it, never one
above, and there is no import cycle (``tests/sim/test_import_graph.py`` checks both):

=============  ==========================================================================
``server``     :class:`~drover.sim.server.SimServer`: domain + app + uvicorn on a thread
``http/``      the HTTP face: Starlette app, the gate (auth, limits, faults), routes, SSE
``fleet/``     the demo fleet: builds and keeps sessions through the domain facade
``domain/``    the facade the routes call: validation, agents and environments, sessions
``engine/``    one task per session plays its scenario into an append-only event log
``scenarios/`` the scripts agents play: TOML files, what they parse into, the loader
``wire/``      the protocol's vocabulary: errors, ids and timestamps, prices, wire objects
``settings``   ``SimConfig`` and ``FaultPlan``: plain data every layer may read
=============  ==========================================================================

The HTTP layer and the fleet program against the domain's facade (duck-typed, so tests serve a
fake domain); only ``server`` builds a ``SimDomain``.
"""
