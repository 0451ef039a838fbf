// Sessions and events as a TypeScript user meets them: stream with the SDK's helpers, answer
// requires_action, follow up, interrupt, page both ways, list with filters, the error paths,
// and a multiagent_20261001 session's threads.

import Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsStreamSessionEvents } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import { check, client, fails, keep, playTurn, queuedThenProcessed, TEXT } from './support';

export async function sessionsAndEvents(): Promise<void> {
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

