import { describe, expect, it } from 'vitest';
import type { WorkerMessage } from './protocol';
import { startWorkerRuntime, type MethodTable } from './worker-runtime';

function fakeChannel() {
  const sent: WorkerMessage[] = [];
  let deliver: (m: unknown) => void = () => undefined;
  return {
    sent,
    channel: {
      send: (m: WorkerMessage) => sent.push(m),
      onMessage: (l: (m: unknown) => void) => (deliver = l),
    },
    deliver: (m: unknown) => deliver(m),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('worker runtime (in-process)', () => {
  const methods: MethodTable = {
    ping: { parse: (p) => p as { echo: string }, run: ({ echo }) => ({ echo, pid: 7, active: 0 }) },
  };

  it('announces itself first, then answers each request id exactly once', async () => {
    const f = fakeChannel();
    startWorkerRuntime(f.channel, methods, 7);
    expect(f.sent[0]).toEqual({ type: 'ready', pid: 7, protocol: 1 });
    f.deliver({ type: 'request', id: 1, method: 'ping', params: { echo: 'a' } });
    await tick();
    expect(f.sent.slice(1)).toEqual([{ type: 'result', id: 1, value: { echo: 'a', pid: 7, active: 0 } }]);
  });

  it('ignores malformed host messages and reports unknown methods as typed errors', async () => {
    const f = fakeChannel();
    startWorkerRuntime(f.channel, methods, 7);
    for (const junk of [null, 'x', { type: 'request', id: -1, method: 'ping' }, { type: 'nope', id: 1 }])
      f.deliver(junk);
    f.deliver({ type: 'request', id: 2, method: 'constructor', params: {} });
    await tick();
    expect(f.sent.slice(1)).toEqual([
      {
        type: 'error',
        id: 2,
        error: { code: 'IPC_UNKNOWN_CHANNEL', message: 'Unknown engine method "constructor".' },
      },
    ]);
  });
});
