"""The sim's domain facade: every operation the HTTP layer can ask for, as plain Python.

CONTRACT (being implemented; the HTTP layer in ``drover.sim.app`` programs against it):

* Inputs are parsed JSON bodies (dicts) exactly as clients send them; the domain validates them
  against the protocol (required fields, types, enums, limits) and raises
  :class:`drover.sim.errors.SimError` (400/404/409…) with the right ``error_code`` where the
  protocol names one. Nothing is changed when an error is raised.
* Outputs are fresh wire-shaped dicts (copies; callers may mutate them).
* List methods return *all* matching objects in the protocol's natural order (agents,
  environments, sessions: ``created_at`` ascending; events: history order); the HTTP layer
  applies ``order``, ``limit`` and cursors. Filters that need domain knowledge are parameters.
* Everything runs on the server's event loop; :meth:`start` is awaited once after the loop
  runs (it starts the fleet keeper and pacing tasks), :meth:`stop` on shutdown.
"""
