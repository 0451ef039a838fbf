// What the driver's parts share: the client, the record of everything received (for the
// tsc --strict shape check), checks, the error-path helper and one streamed turn.

import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { accumulateManagedAgentsEvent } from '@anthropic-ai/sdk/lib/sessions/accumulate';
import type {
  BetaManagedAgentsAgentMessageEvent,
  BetaManagedAgentsStreamSessionEvents,
} from '@anthropic-ai/sdk/resources/beta/sessions/events';

export type Seen = 'object' | 'event' | 'frame';

export const received: Array<[Seen, unknown]> = [];
export const checks: string[] = [];

export function keep<T>(obj: T, seen: Seen = 'object'): T {
  received.push([seen, obj]);
  return obj;
}

export function check(ok: unknown, what: string): void {
  if (!ok) throw new Error(`check failed: ${what}`);
  checks.push(what);
}

export const client = new Anthropic({ maxRetries: 0 });
export const TEXT = (text: string) => [{ type: 'text' as const, text }];

export async function fails(status: number, call: () => Promise<unknown>, code?: string): Promise<APIError> {
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

export interface Turn {
  frames: BetaManagedAgentsStreamSessionEvents[];
  previews: Map<string, BetaManagedAgentsAgentMessageEvent>;
  stops: string[];
}

// Open the stream first (no replay), send, and consume to a turn-ending idle, answering every
// requires_action with `answer`. Previews are folded with the SDK's own accumulator.
export async function playTurn(
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

export function queuedThenProcessed(frames: BetaManagedAgentsStreamSessionEvents[], type: string): boolean {
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

