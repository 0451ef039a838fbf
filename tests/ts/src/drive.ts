// Drives drover's sim end to end as a TypeScript user of the official SDK would.
//
// Usage: node build/drive.js   (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, OUT = where to write
// every object received, for the tsc --strict shape check). Prints one JSON summary line; exits
// non-zero with the failed check's message.

import { writeFileSync } from 'node:fs';
import { families } from './families';
import { sessionsAndEvents } from './sessions';
import { checks, received } from './support';

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
