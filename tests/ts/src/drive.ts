// Drives drover's sim end to end as a TypeScript user of the official SDK would.
//
// Usage: node build/drive.js   (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, OUT = where to write
// every object received, for the tsc --strict shape check). Prints one JSON summary line; exits
// non-zero with the failed check's message.

import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import { accumulateManagedAgentsEvent } from '@anthropic-ai/sdk/lib/sessions/accumulate';
import type { BetaManagedAgentsAgentMessageEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import type { BetaManagedAgentsStreamSessionEvents } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import { writeFileSync } from 'node:fs';

type Seen = 'object' | 'event' | 'frame';

const received: Array<[Seen, unknown]> = [];
const checks: string[] = [];

function keep<T>(obj: T, seen: Seen = 'object'): T {
  received.push([seen, obj]);
  return obj;
}

function check(ok: unknown, what: string): void {
  if (!ok) throw new Error(`check failed: ${what}`);
  checks.push(what);
}

const client = new Anthropic({ maxRetries: 0 });
const TEXT = (text: string) => [{ type: 'text' as const, text }];

async function fails(status: number, call: () => Promise<unknown>, code?: string): Promise<APIError> {
  try {
    await call();
  } catch (err) {
    if (err instanceof APIError) {
      keep(err.error);
      check(err.status === status, `expected ${status}, got ${err.status}: ${err.message}`);
      check(err.requestID?.startsWith('req_'), 'error responses carry a request-id');
      if (code !== undefined) check(err.errorCode === code, `error_code ${code}, got ${err.errorCode}`);
      return err;
    }
    throw err;
  }
  throw new Error(`expected HTTP ${status}, the call succeeded`);
}

interface Turn {
  frames: BetaManagedAgentsStreamSessionEvents[];
  previews: Map<string, BetaManagedAgentsAgentMessageEvent>;
  stops: string[];
}

// Open the stream first (no replay), send, and consume to a turn-ending idle, answering every
// requires_action with `answer`. Previews are folded with the SDK's own accumulator.
async function playTurn(
  sessionId: string,
  send: Parameters<typeof client.beta.sessions.events.send>[1]['events'],
  answer: 'allow' | 'deny' = 'allow',
  onFrame?: (event: BetaManagedAgentsStreamSessionEvents) => Promise<void>,
): Promise<Turn> {
  const turn: Turn = { frames: [], previews: new Map(), stops: [] };
  const stream = await client.beta.sessions.events.stream(sessionId, {
    event_deltas: ['agent.message', 'agent.thinking'],
  });
  const receipt = await client.beta.sessions.events.send(sessionId, { events: send });
  for (const echo of receipt.data ?? []) keep(echo, 'frame');
  let preview: BetaManagedAgentsAgentMessageEvent | undefined;
  for await (const event of stream) {
    keep(event, 'frame');
    turn.frames.push(event);
    preview = accumulateManagedAgentsEvent(preview, event);
    if (event.type === 'agent.message' && preview) turn.previews.set(event.id, preview);
    if (onFrame) await onFrame(event);
    if (event.type === 'session.status_idle') {
      turn.stops.push(event.stop_reason.type);
      if (event.stop_reason.type !== 'requires_action') break;
      const events = event.stop_reason.event_ids.map((id) => ({
        type: 'user.tool_confirmation' as const,
        tool_use_id: id,
        result: answer,
        ...(answer === 'deny' ? { deny_message: 'Not in production, please.' } : {}),
      }));
      const answered = await client.beta.sessions.events.send(sessionId, { events });
      check((answered.data ?? []).every((e) => e.processed_at == null), 'confirmations are queued first');
    }
  }
  stream.controller.abort();
  return turn;
}

function queuedThenProcessed(frames: BetaManagedAgentsStreamSessionEvents[], type: string): boolean {
  const copies = new Map<string, Array<string | null | undefined>>();
  for (const frame of frames) {
    if (frame.type === type && 'id' in frame) {
      const list = copies.get(frame.id) ?? [];
      list.push('processed_at' in frame ? frame.processed_at : undefined);
      copies.set(frame.id, list);
    }
  }
  return (
    copies.size > 0 &&
    [...copies.values()].every((list) => list.length === 2 && list[0] == null && list[1] != null)
  );
}

async function sessionsAndEvents(): Promise<void> {
  const env = keep(
    await client.beta.environments.create({
      name: 'ts-sandbox',
      config: {
        type: 'cloud',
        networking: { type: 'limited', allowed_hosts: ['github.com'], allow_mcp_servers: true },
      },
    }),
  );
  const agent = keep(
    await client.beta.agents.create({
      name: 'Infra Operator',
      model: { id: 'claude-sonnet-4-6', speed: 'standard' },
      metadata: { scenario: 'risky-ops' },
      tools: [
        {
          type: 'agent_toolset_20260401',
          default_config: { permission_policy: { type: 'always_allow' } },
          configs: [
            { name: 'bash', permission_policy: { type: 'always_ask' } },
            {
              name: 'web_fetch',
              url_sources: {
                user_input: 'all',
                server_tool_results: { type: 'only', tools: [{ type: 'tool_reference', name: 'web_search' }] },
              },
            },
            {
              name: 'web_search',
              allowed_domains: ['docs.python.org'],
              user_location: { type: 'approximate', country: 'GB', city: 'London' },
            },
          ],
        },
      ],
    }),
  );
  const webFetch = agent.tools[0]!.type === 'agent_toolset_20260401' ? agent.tools[0]!.configs[1] : undefined;
  check(
    webFetch?.type === 'web_fetch' && webFetch.url_sources?.user_input?.type === 'all',
    'url_sources comes back in the object form',
  );
  check(agent.model.effort?.type === 'high', 'model.effort is always present');

  const session = keep(
    await client.beta.sessions.create({
      agent: agent.id,
      environment_id: env.id,
      title: 'Replace the orders database',
      metadata: { ticket: 'OPS-7' },
    }),
  );
  check(session.status === 'idle', 'a new session is idle');

  const first = await playTurn(session.id, [{ type: 'user.message', content: TEXT('Plan the change.') }]);
  check(first.stops.includes('requires_action'), 'always_ask bash pauses the session');
  check(first.stops.at(-1) === 'end_turn', 'the turn ends once answered');
  check(queuedThenProcessed(first.frames, 'user.message'), 'user.message: queued copy, then processed');
  check(queuedThenProcessed(first.frames, 'user.tool_confirmation'), 'confirmations: queued, then processed');
  const previewed = [...first.previews.values()];
  check(previewed.length > 0, 'event_deltas previews arrive');
  for (const message of first.frames) {
    if (message.type === 'agent.message') {
      const folded = first.previews.get(message.id);
      check(folded && JSON.stringify(folded.content) === JSON.stringify(message.content), 'previews fold to the message');
    }
  }
  const followup = await playTurn(
    session.id,
    [{ type: 'user.message', content: TEXT('Apply it.') }],
    'deny',
  );
  check(followup.stops.at(-1) === 'end_turn', 'the follow-up turn ends');

  // Interrupt a long turn (the migration scenario) as soon as it runs.
  const long = keep(
    await client.beta.agents.create({ name: 'Migrator', model: 'claude-sonnet-4-6', metadata: { scenario: 'migration' } }),
  );
  const busy = keep(await client.beta.sessions.create({ agent: long.id, environment_id: env.id }));
  let interrupted = false;
  const cut = await playTurn(busy.id, [{ type: 'user.message', content: TEXT('Migrate everything.') }], 'allow', async (event) => {
    if (!interrupted && event.type === 'span.model_request_start') {
      interrupted = true;
      const receipt = await client.beta.sessions.events.send(busy.id, { events: [{ type: 'user.interrupt' }] });
      check(receipt.data?.[0]?.processed_at == null, 'an interrupt is queued first');
    }
  });
  check(cut.stops.at(-1) === 'end_turn', 'an interrupted turn ends with end_turn');
  check(queuedThenProcessed(cut.frames, 'user.interrupt'), 'user.interrupt: queued copy, then processed');

  // Page events both ways (the SDK's auto-pagination follows next_page).
  const all: string[] = [];
  for await (const event of client.beta.sessions.events.list(session.id, { limit: 5 })) {
    all.push(keep(event, 'event').id);
  }
  const newest = await client.beta.sessions.events.list(session.id, { limit: 5, order: 'desc' });
  check(JSON.stringify(newest.data.map((e) => e.id)) === JSON.stringify(all.slice(-5).reverse()), 'desc pages are newest first');
  const idles = await client.beta.sessions.events.list(session.id, { types: ['session.status_idle'] });
  check(idles.data.length > 0 && idles.data.every((e) => e.type === 'session.status_idle'), 'types[] filters events');
  await fails(400, () => client.beta.sessions.events.list(session.id, { order: 'asc', page: newest.next_page! }));

  // List sessions with filters, and both ways with prev_page.
  const extra: Anthropic.Beta.Sessions.BetaManagedAgentsSession[] = [];
  for (let i = 0; i < 3; i++) extra.push(keep(await client.beta.sessions.create({ agent: agent.id, environment_id: env.id })));
  const page1 = await client.beta.sessions.list({ limit: 2 });
  const page2 = await client.beta.sessions.list({ limit: 2, page: page1.next_page! });
  const back = await client.beta.sessions.list({ limit: 2, page: page2.prev_page! });
  check(JSON.stringify(back.data.map((s) => s.id)) === JSON.stringify(page1.data.map((s) => s.id)), 'prev_page leads back');
  const byAgent = await client.beta.sessions.list({ agent_id: long.id });
  check(byAgent.data.length === 1 && byAgent.data[0]!.id === busy.id, 'agent_id filters sessions');
  await client.beta.sessions.archive(extra[0]!.id);
  const archived = await client.beta.sessions.list({ include_archived: true, statuses: ['terminated'] });
  check(archived.data.some((s) => s.id === extra[0]!.id), 'include_archived + statuses[] filter');
  const asc = await client.beta.sessions.list({ order: 'asc', 'created_at[gte]': session.created_at });
  check(asc.data[0]?.id === session.id, 'order=asc with created_at[gte]');
  for (const s of asc.data) keep(s);

  // The error paths.
  await fails(400, () => client.beta.sessions.create({ agent: agent.id, environment_id: env.id, title: 5 as unknown as string }));
  await fails(401, () => new Anthropic({ apiKey: 'wrong', maxRetries: 0 }).beta.sessions.list());
  await fails(404, () => client.beta.sessions.retrieve('sesn_011CdoesNotExist0000000'));
  await fails(404, () => client.beta.environments.retrieve('env_011CdoesNotExist00000000'), 'environment_not_found');
  await fails(409, () => client.beta.sessions.events.send(extra[0]!.id, { events: [{ type: 'user.message', content: TEXT('late') }] }));
  await fails(409, () => client.beta.agents.update(agent.id, { version: 99, system: 'x' }));
  await fails(400, () => client.beta.environments.update(env.id, { config: { type: 'self_hosted' } }), 'invalid_config_type_change');

  // Threads of a multiagent_20261001 session: advisor, workflow runs, inline children.
  const conductor = keep(
    await client.beta.agents.create({
      name: 'Release Train Conductor',
      model: 'claude-opus-4-7',
      metadata: { scenario: 'release-train' },
      multiagent: { type: 'multiagent_20261001', advisor: { type: 'enabled', model: 'claude-opus-4-7' } },
    }),
  );
  check(conductor.multiagent?.type === 'multiagent_20261001', 'multiagent_20261001 is kept');
  const train = keep(await client.beta.sessions.create({ agent: conductor.id, environment_id: env.id }));
  const trainTurn = await playTurn(train.id, [{ type: 'user.message', content: TEXT('Run the train.') }]);
  const kinds = new Set(trainTurn.frames.map((f) => f.type));
  for (const kind of ['workflow_run.created', 'workflow_run.status_ended', 'session.thread_status_terminated', 'session.thread_status_rescheduled', 'agent.thread_context_compacted']) {
    check(kinds.has(kind as BetaManagedAgentsStreamSessionEvents['type']), `the stream carries ${kind}`);
  }
  const threads = await client.beta.sessions.threads.list(train.id);
  for (const thread of threads.data) keep(thread);
  const child = threads.data.find((t) => t.parent_thread_id !== null && t.status !== 'terminated')!;
  for await (const event of client.beta.sessions.threads.events.list(child.id, { session_id: train.id })) keep(event, 'event');
  const archivedThread = keep(await client.beta.sessions.threads.archive(child.id, { session_id: train.id }));
  check(archivedThread.archived_at !== null, 'a child thread archives');
}

async function families(): Promise<void> {
  // Vaults and credentials, with live validation.
  const vault = keep(await client.beta.vaults.create({ display_name: 'Ops', metadata: { team: 'infra' } }));
  const expires = new Date(Date.now() + 3600_000).toISOString();
  const oauth = keep(
    await client.beta.vaults.credentials.create(vault.id, {
      display_name: 'Linear',
      auth: {
        type: 'mcp_oauth',
        mcp_server_url: 'https://mcp.linear.app/mcp',
        access_token: 'at',
        expires_at: expires,
        refresh: { client_id: 'drover', refresh_token: 'rt', token_endpoint: 'https://linear.app/oauth/token', token_endpoint_auth: { type: 'none' } },
      },
    }),
  );
  const revoked = keep(await client.beta.vaults.credentials.create(vault.id, { auth: { type: 'mcp_oauth', mcp_server_url: 'https://revoked.example.com/mcp', access_token: 'at' } }));
  const away = keep(await client.beta.vaults.credentials.create(vault.id, { auth: { type: 'mcp_oauth', mcp_server_url: 'https://mcp.unreachable.invalid/mcp', access_token: 'at' } }));
  keep(await client.beta.vaults.credentials.create(vault.id, { auth: { type: 'static_bearer', mcp_server_url: 'https://api.githubcopilot.com/mcp/', token: 't' } }));
  const envVar = keep(
    await client.beta.vaults.credentials.create(vault.id, {
      auth: { type: 'environment_variable', secret_name: 'NPM_TOKEN', secret_value: 'v', networking: { type: 'limited', allowed_hosts: ['registry.npmjs.org'] }, injection_location: { body: true } },
    }),
  );
  const statuses = [];
  for (const cred of [oauth, revoked, away]) {
    statuses.push(keep(await client.beta.vaults.credentials.mcpOAuthValidate(cred.id, { vault_id: vault.id })).status);
  }
  check(JSON.stringify(statuses) === '["valid","invalid","unknown"]', 'validation statuses valid/invalid/unknown');
  for await (const cred of client.beta.vaults.credentials.list(vault.id)) keep(cred);
  keep(await client.beta.vaults.credentials.update(envVar.id, { vault_id: vault.id, auth: { type: 'environment_variable', secret_value: 'v2' } }));
  keep(await client.beta.vaults.credentials.archive(envVar.id, { vault_id: vault.id }));
  keep(await client.beta.vaults.credentials.delete(revoked.id, { vault_id: vault.id }));
  await fails(404, () => client.beta.vaults.credentials.retrieve(revoked.id, { vault_id: vault.id }));

  // Memory stores, memories, versions (their own beta header).
  const store = keep(await client.beta.memoryStores.create({ name: 'Team notes', description: 'Conventions' }));
  const mem = keep(await client.beta.memoryStores.memories.create(store.id, { path: '/style/python.md', content: 'Use ruff.' }));
  keep(await client.beta.memoryStores.memories.create(store.id, { path: '/style/deep/more.md', content: '' }));
  keep(await client.beta.memoryStores.memories.retrieve(mem.id, { memory_store_id: store.id }));
  for await (const item of client.beta.memoryStores.memories.list(store.id, { depth: 1 })) keep(item);
  for await (const item of client.beta.memoryStores.memories.list(store.id, { view: 'full' })) keep(item);
  keep(await client.beta.memoryStores.memories.update(mem.id, { memory_store_id: store.id, content: 'Use ruff and mypy.' }));
  const clash = await fails(409, () => client.beta.memoryStores.memories.create(store.id, { path: '/style/python.md', content: 'x' }));
  check(clash.type === 'memory_path_conflict_error', 'a path clash is memory_path_conflict_error');
  keep(await client.beta.memoryStores.memories.delete(mem.id, { memory_store_id: store.id }));
  const versions = [];
  for await (const version of client.beta.memoryStores.memoryVersions.list(store.id, { memory_id: mem.id })) versions.push(keep(version));
  check(versions.map((v) => v.operation).join() === 'deleted,modified,created', 'versions outlive the memory, newest first');
  keep(await client.beta.memoryStores.memoryVersions.redact(versions.at(-1)!.id, { memory_store_id: store.id }));
  keep(await client.beta.memoryStores.memoryVersions.retrieve(versions[1]!.id, { memory_store_id: store.id }));

  // Files and skills: list and retrieve.
  const files = await client.beta.files.list();
  for (const file of files.data) keep(file);
  keep(await client.beta.files.retrieveMetadata(files.data[0]!.id));
  for await (const skill of client.beta.skills.list()) keep(skill);
  const custom = (await client.beta.skills.list({ source: 'custom' })).data[0]!;
  for await (const version of client.beta.skills.versions.list(custom.id)) keep(version);
  keep(await client.beta.skills.retrieve(custom.id));

  // A session that mounts them, and its resources.
  const env = keep(await client.beta.environments.create({ name: 'ts-mounts', config: { type: 'cloud' } }));
  const agent = keep(await client.beta.agents.create({ name: 'Ticket Triage', model: 'claude-haiku-4-5', metadata: { scenario: 'triage-bot' },
    tools: [{ type: 'custom', name: 'lookup_ticket', description: 'Fetch a ticket', input_schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } }] }));
  const session = keep(
    await client.beta.sessions.create({
      agent: agent.id,
      environment_id: env.id,
      vault_ids: [vault.id],
      resources: [
        { type: 'memory_store', memory_store_id: store.id, access: 'read_only', instructions: 'House style.' },
        { type: 'github_repository', url: 'https://github.com/acme/tools', authorization_token: 'ghp', checkout: { type: 'commit', sha: 'a41f2c9' } },
      ],
    }),
  );
  const repo = session.resources.find((r) => r.type === 'github_repository')!;
  const added = keep(await client.beta.sessions.resources.add(session.id, { type: 'file', file_id: files.data[0]!.id }));
  keep(await client.beta.sessions.resources.retrieve(added.id, { session_id: session.id }));
  if ('id' in repo) keep(await client.beta.sessions.resources.update(repo.id, { session_id: session.id, authorization_token: 'ghp-rotated' }));
  for await (const resource of client.beta.sessions.resources.list(session.id)) keep(resource);
  keep(await client.beta.sessions.resources.delete(added.id, { session_id: session.id }));
  const sessions = await client.beta.sessions.list({ memory_store_id: store.id });
  check(sessions.data.length === 1, 'memory_store_id filters sessions');
  await fails(404, () => client.beta.sessions.create({ agent: agent.id, environment_id: env.id, vault_ids: ['vlt_011CdoesNotExist00000000'] }));

  // The SDK's session tool runner answers the custom tool.
  await client.beta.sessions.events.send(session.id, { events: [{ type: 'user.message', content: TEXT('Triage SUP-4821.') }] });
  const lookup = betaTool({
    name: 'lookup_ticket',
    description: 'Fetch a ticket',
    inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    run: ({ id }) => `Ticket ${id}: checkout times out for EU customers since 09:12 UTC.`,
  });
  let posted = 0;
  for await (const call of client.beta.sessions.events.toolRunner(session.id, { tools: [lookup], maxIdleMs: 500 })) {
    if (call.name === 'lookup_ticket' && call.posted) posted++;
  }
  check(posted === 1, 'the tool runner answered lookup_ticket once');
  const results = await client.beta.sessions.events.list(session.id, { types: ['user.custom_tool_result'] });
  check(results.data.length === 1, 'the custom tool result is in history');

  // Deployments and their runs.
  const deployment = keep(
    await client.beta.deployments.create({
      name: 'Nightly triage',
      agent: { type: 'agent', id: agent.id },
      environment_id: env.id,
      initial_events: [{ type: 'user.message', content: TEXT('Triage the overnight queue.') }],
      schedule: { type: 'cron', expression: '0 6 * * *', timezone: 'UTC' },
      vault_ids: [vault.id],
      resources: [{ type: 'memory_store', memory_store_id: store.id }],
    }),
  );
  const run = keep(await client.beta.deployments.run(deployment.id));
  check(run.session_id !== null, 'a run starts a session');
  const fromRun = await client.beta.sessions.list({ deployment_id: deployment.id });
  check(fromRun.data[0]?.deployment_id === deployment.id, 'sessions filter by deployment_id');
  keep(await client.beta.deployments.pause(deployment.id));
  keep(await client.beta.deployments.unpause(deployment.id));
  for await (const d of client.beta.deployments.list()) keep(d);
  for await (const r of client.beta.deploymentRuns.list({ deployment_id: deployment.id })) keep(r);
  keep(await client.beta.deploymentRuns.retrieve(run.id));
  keep(await client.beta.deployments.archive(deployment.id));

  // The self-hosted work queue.
  const byo = keep(await client.beta.environments.create({ name: 'ts-byo', config: { type: 'self_hosted' } }));
  const nothing = await client.beta.environments.work.poll(byo.id);
  check(nothing === null, 'an empty poll is null');
  keep(await client.beta.sessions.create({ agent: agent.id, environment_id: byo.id }));
  keep(await client.beta.environments.work.stats(byo.id));
  const work = keep((await client.beta.environments.work.poll(byo.id, { 'Anthropic-Worker-ID': 'ts-worker' }))!);
  check(work.secret !== null, 'a poll hands over the secret');
  keep(await client.beta.environments.work.ack(work.id, { environment_id: byo.id }));
  const beat = keep(await client.beta.environments.work.heartbeat(work.id, { environment_id: byo.id, expected_last_heartbeat: 'NO_HEARTBEAT' }));
  await fails(412, () => client.beta.environments.work.heartbeat(work.id, { environment_id: byo.id, expected_last_heartbeat: 'NO_HEARTBEAT' }), 'heartbeat_precondition_failed');
  keep(await client.beta.environments.work.heartbeat(work.id, { environment_id: byo.id, expected_last_heartbeat: beat.last_heartbeat }));
  keep(await client.beta.environments.work.update(work.id, { environment_id: byo.id, metadata: { host: 'ts' } }));
  keep(await client.beta.environments.work.stop(work.id, { environment_id: byo.id }));
  for await (const item of client.beta.environments.work.list(byo.id)) keep(item);
  keep(await client.beta.environments.work.stats(byo.id));

  // Deleted markers.
  keep(await client.beta.memoryStores.delete(store.id));
  keep(await client.beta.vaults.archive(vault.id));
  keep(await client.beta.vaults.delete(vault.id));
  keep(await client.beta.sessions.delete(session.id));
  keep(await client.beta.environments.delete(byo.id));
}

async function main(): Promise<void> {
  await sessionsAndEvents();
  await families();
  if (process.env['OUT']) writeFileSync(process.env['OUT'], JSON.stringify(received));
  console.log(JSON.stringify({ ok: true, checks: checks.length, objects: received.length }));
}

main().catch((err: unknown) => {
  if (process.env['OUT']) writeFileSync(process.env['OUT'], JSON.stringify(received));
  console.log(JSON.stringify({ ok: false, checks: checks.length, error: String(err instanceof Error ? err.stack : err) }));
  process.exit(1);
});
