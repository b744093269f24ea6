/**
 * Every channel of the contract, walked the way an attacker who controls the page would: a foreign sender, then
 * payloads with an extra field, a prototype key, wrong types and oversized strings and lists. Each must be refused
 * at the gate (IPC_FORBIDDEN_SENDER / IPC_INVALID_PAYLOAD) without any service being called. The services here are
 * tripwires that record every call, so "refused" means refused before main did anything, not an error raised
 * half-way through. A new channel does not compile until it has a valid sample below.
 */
import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { INVOKE_CHANNELS, type InvokeChannel, type RequestOf } from '@common/ipc-contract';
import { registerIpc, type IpcDeps, type IpcMainLike } from './ipc';
import { createSenderGuard, type InvokeEventLike } from './security';

const ORIGIN = 'app://rotorscribe';
const OUR_CONTENTS = { id: 1 };
type Event = InvokeEventLike & { sender?: unknown };
const ours: Event = { senderFrame: { url: `${ORIGIN}/index.html`, parent: null }, sender: OUR_CONTENTS };

/** Requests main accepts on each channel (the gate lets them through to the service). */
const VALID = {
  'app:getInfo': undefined,
  'engine:ping': { echo: 'hi' },
  'engine:listDevices': {},
  'settings:get': undefined,
  'settings:set': { theme: 'dark' },
  'dialog:openAudioFiles': undefined,
  'dialog:openFolder': undefined,
  'files:registerDropped': { paths: ['/tmp/a.wav'] },
  'advisor:getReport': undefined,
  'advisor:evaluate': { overrides: {} },
  'recording:capabilities': undefined,
  'recording:start': { sampleRate: 48_000, channels: 2, channelNames: ['Mic', 'System'], title: 'Standup' },
  'recording:pause': { id: 'rec-1' },
  'recording:resume': { id: 'rec-1' },
  'recording:stop': { id: 'rec-1' },
  'recording:status': undefined,
  'recording:recovered': undefined,
  'recording:resolveRecovered': { id: 'rec-1', action: 'discard' },
  'queue:get': undefined,
  'queue:add': { tokens: ['0123456789abcdef'] },
  'queue:control': { id: 'job-1', action: 'pause' },
  'queue:move': { id: 'job-1', index: 0 },
  'library:list': { sort: 'created', limit: 50 },
  'library:get': { id: 't1' },
  'library:rename': { id: 't1', title: 'Weekly' },
  'library:delete': { id: 't1' },
  'library:restore': { id: 't1' },
  'library:search': { query: 'budget', limit: 10 },
  'library:saveSegments': {
    id: 't1',
    segments: [{ id: 's1', startSec: 0, endSec: 1, text: 'Hello.', windowId: 'w0' }],
  },
  'library:retranscribe': { id: 't1', startSec: 1, endSec: 2 },
  'library:export': { id: 't1', format: 'srt' },
  'library:mediaUrl': { id: 't1' },
  'models:get': undefined,
  'models:resolve': { id: 'q4' },
  'models:download': { id: 'q4' },
  'models:control': { action: 'pause' },
  'models:use': { id: 'q4' },
  'models:delete': { id: 'q4' },
  'models:reveal': { id: 'q4' },
  'models:import': undefined,
} satisfies { [C in InvokeChannel]: RequestOf<C> | undefined };

const CHANNELS = Object.keys(INVOKE_CHANNELS) as InvokeChannel[];

/** A service that records every call and never does anything: any property is another tripwire. */
function tripwire(name: string, calls: string[]): unknown {
  const target = (): void => undefined;
  return new Proxy(target, {
    get: (_t, prop) => (prop === 'then' ? undefined : tripwire(`${name}.${String(prop)}`, calls)),
    apply: () => {
      calls.push(name);
      throw new RotorError('NOT_AVAILABLE_YET', `tripwire ${name}`);
    },
  });
}

function gate() {
  const calls: string[] = [];
  const services = Object.fromEntries(
    [
      'appInfo',
      'engine',
      'settings',
      'files',
      'showOpenAudioDialog',
      'showOpenFolderDialog',
      'queue',
      'library',
      'models',
      'onSettingsChanged',
      'recording',
      'advisor',
    ].map((key) => [key, tripwire(key, calls)]),
  );
  const deps = {
    ...services,
    isTrustedSender: createSenderGuard({
      trustedOrigins: [ORIGIN],
      isOurContents: (event) => (event as Event).sender === OUR_CONTENTS,
    }),
    logError: (channel: string) => calls.push(`logError:${channel}`),
  } as unknown as IpcDeps;
  const ipcMain: IpcMainLike = { handle: () => undefined, removeHandler: () => undefined };
  const { dispatch } = registerIpc(ipcMain, deps);
  return { dispatch, calls };
}

/** Every string-valued path in a sample, and every list-valued one. */
function leaves(
  value: unknown,
  at: (string | number)[] = [],
): { path: (string | number)[]; value: unknown }[] {
  if (value === null || typeof value !== 'object') return [{ path: at, value }];
  const out: { path: (string | number)[]; value: unknown }[] = [{ path: at, value }];
  for (const [k, v] of Object.entries(value))
    out.push(...leaves(v, [...at, Array.isArray(value) ? Number(k) : k]));
  return out;
}

function replaced(sample: unknown, path: (string | number)[], next: unknown): unknown {
  if (path.length === 0) return next;
  const copy = structuredClone(sample) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = next;
  return copy;
}

/** Hostile variants of one valid request, each named for the failure message. */
function hostile(sample: unknown): [string, unknown][] {
  const base = (sample ?? {}) as Record<string, unknown>;
  const out: [string, unknown][] = [
    ['an extra field', { ...base, path: '/etc/passwd' }],
    // JSON.parse makes __proto__ an own key, which is what structured clone delivers from a page
    ['an own __proto__ key', Object.assign(JSON.parse('{"__proto__":{"polluted":true}}') as object, base)],
    ['a constructor key', { ...base, constructor: { prototype: { polluted: true } } }],
    ['a string', 'payload'],
    ['a number', 7],
    ['a list', [base]],
    ['null', null],
    [
      'a prototype-less object with an extra field',
      Object.assign(Object.create(null) as object, base, { x: 1 }),
    ],
  ];
  for (const leaf of leaves(sample)) {
    const where = leaf.path.join('.') || 'payload';
    if (leaf.path.length === 0) continue;
    if (typeof leaf.value === 'string') {
      out.push([`${where} 1 MB long`, replaced(sample, leaf.path, 'x'.repeat(1 << 20))]);
      out.push([`${where} as a number`, replaced(sample, leaf.path, 1)]);
      out.push([`${where} as an object`, replaced(sample, leaf.path, { toString: 'x' })]);
    } else if (typeof leaf.value === 'number') {
      out.push([`${where} as a string`, replaced(sample, leaf.path, '1')]);
      out.push([`${where} as NaN`, replaced(sample, leaf.path, Number.NaN)]);
      out.push([`${where} as Infinity`, replaced(sample, leaf.path, Number.POSITIVE_INFINITY)]);
    } else if (Array.isArray(leaf.value)) {
      out.push([
        `${where} with 200,000 items`,
        replaced(sample, leaf.path, new Array(200_000).fill(leaf.value[0])),
      ]);
      out.push([`${where} as an object`, replaced(sample, leaf.path, { length: 1, 0: leaf.value[0] })]);
    }
  }
  return out;
}

describe('the IPC gate, channel by channel', () => {
  it('has a sample for exactly the contract channels', () => {
    expect(Object.keys(VALID).sort()).toEqual([...CHANNELS].sort());
  });

  it.each(CHANNELS)('%s: a valid request reaches the service (the samples are real)', async (channel) => {
    const { dispatch, calls } = gate();
    const result = await dispatch(channel, ours, VALID[channel]);
    expect(result.ok).toBe(false);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.some((c) => c.startsWith('logError'))).toBe(false);
  });

  it.each(CHANNELS)(
    '%s: a foreign sender is refused before the payload or a service is looked at',
    async (channel) => {
      const frame = (url: string, parent: unknown = null) => ({ url, parent });
      const senders: [string, Event][] = [
        ['no frame (a destroyed or detached one)', { senderFrame: null, sender: OUR_CONTENTS }],
        ['another origin', { senderFrame: frame('https://evil.example/'), sender: OUR_CONTENTS }],
        [
          'a look-alike host of our scheme',
          { senderFrame: frame('app://rotorscribe.evil/'), sender: OUR_CONTENTS },
        ],
        ['a file:// page', { senderFrame: frame('file:///tmp/x.html'), sender: OUR_CONTENTS }],
        ['a data: page', { senderFrame: frame('data:text/html,x'), sender: OUR_CONTENTS }],
        [
          'our origin in a sub-frame',
          { senderFrame: frame(`${ORIGIN}/index.html`, {}), sender: OUR_CONTENTS },
        ],
        ['our origin in web contents that are not our window', { ...ours, sender: { id: 2 } }],
      ];
      for (const [what, event] of senders) {
        const { dispatch, calls } = gate();
        const result = await dispatch(channel, event, VALID[channel]);
        expect([what, result]).toMatchObject([what, { ok: false, error: { code: 'IPC_FORBIDDEN_SENDER' } }]);
        expect([what, calls]).toEqual([what, []]);
      }
    },
  );

  it.each(CHANNELS)(
    '%s: hostile payloads are refused as IPC_INVALID_PAYLOAD, no service called',
    async (channel) => {
      for (const [what, payload] of hostile(VALID[channel])) {
        const { dispatch, calls } = gate();
        const result = await dispatch(channel, ours, payload);
        expect([what, result]).toMatchObject([what, { ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } }]);
        expect([what, calls]).toEqual([what, []]);
        // the problem names where, in a line the renderer can show; never the 1 MB value itself
        if (!result.ok) expect((result.error.detail ?? '').length).toBeLessThan(300);
      }
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    },
  );
});
