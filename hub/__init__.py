"""`drover hub`: one headless process per organisation that follows the fleet and writes the
mirror into PostgreSQL, for a team of viewers.

Modules: `service` (`Hub`: the engine, the webhook server and the heartbeat, started and stopped
together), `server` (the HTTP face: `POST /webhooks`, `GET /healthz`), `wake` (what a verified
webhook does: follow a new session now, look for a followed session's missing events), `figures`
(followers live, ingest lag, API reads per minute, outbox depth, webhooks), `logs` (one JSON
object per log line).

The hub builds its engine through `drover.sync.profiles.ProfileEngines` like every entry point,
with the role `drover hub`, so it takes the shared mirror's team-wide follow lock and delivers
the shared outbox. Rules that act on a session (the steer branch's approval rules) run in the
engine, so the hub runs them too; `Hub.on_webhook` is where a rule that wants a webhook as its
trigger would be told.
"""
