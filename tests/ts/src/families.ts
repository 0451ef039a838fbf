// The newer resource families: vaults and credentials, memory stores, files and skills, session
// resources, the SDK's session tool runner, deployments and runs, self-hosted work.

import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import { check, client, fails, keep, TEXT } from './support';

export async function families(): Promise<void> {
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

