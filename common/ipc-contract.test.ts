import { describe, expect, it } from 'vitest';
import { INVOKE_EXPOSURE } from './ipc-channels';
import {
  EVENT_CHANNELS,
  INVOKE_CHANNELS,
  ipcResultSchema,
  isEventChannel,
  isInvokeChannel,
  isRendererInvokeChannel,
} from './ipc-contract';
import { check, type Schema } from './schema';
import { DEFAULT_SETTINGS, checkSettingsPatch, settingsFromStored, settingsSchema } from './settings';

const ok = (schema: Schema, value: unknown): boolean => check(schema, value).ok;

describe('ipc contract', () => {
  it('every channel is namespaced and has request and response schemas and its exposure', () => {
    expect(Object.keys(INVOKE_CHANNELS).sort()).toEqual(Object.keys(INVOKE_EXPOSURE).sort());
    for (const [name, spec] of Object.entries(INVOKE_CHANNELS)) {
      expect(name).toMatch(/^[a-z]+:[A-Za-z]+$/);
      expect(spec.request.kind).toBe('schema');
      expect(spec.response.kind).toBe('schema');
      expect(spec.exposure).toBe(INVOKE_EXPOSURE[name as keyof typeof INVOKE_EXPOSURE]);
    }
    for (const [name, schema] of Object.entries(EVENT_CHANNELS)) {
      expect(name).toMatch(/^[a-z]+:[A-Za-z]+$/);
      expect(isEventChannel(name)).toBe(true);
      expect(schema.kind).toBe('schema');
    }
  });

  it('channel guards', () => {
    expect(isInvokeChannel('engine:ping')).toBe(true);
    expect(isInvokeChannel('toString')).toBe(false);
    expect(isInvokeChannel('__proto__')).toBe(false);
    expect(isRendererInvokeChannel('engine:ping')).toBe(true);
    expect(isRendererInvokeChannel('files:registerDropped')).toBe(false);
    expect(isEventChannel('engine:event')).toBe(true);
    expect(isEventChannel('engine:ping')).toBe(false);
  });

  it('engine:ping request validation', () => {
    const s = INVOKE_CHANNELS['engine:ping'].request;
    expect(ok(s, { echo: 'hi' })).toBe(true);
    expect(check(s, { echo: 5 })).toEqual({ ok: false, problem: 'echo: expected string, got 5' });
    expect(check(s, { echo: 'x'.repeat(201) })).toEqual({
      ok: false,
      problem: 'echo: too long (at most 200 characters)',
    });
    expect(check(s, undefined).ok).toBe(false);
  });

  it('settings:set accepts partial patches but validates each field', () => {
    const s = INVOKE_CHANNELS['settings:set'].request;
    expect(check(s, { theme: 'dark' })).toEqual({ ok: true, value: { theme: 'dark' } });
    expect(ok(s, {})).toBe(true);
    expect(ok(s, { theme: 'purple' })).toBe(false);
    expect(ok(s, { threads: -1 })).toBe(false);
    expect(ok(s, { language: '../../etc' })).toBe(false);
    expect(check(s, { path: '/etc/passwd' })).toEqual({ ok: false, problem: 'path: unexpected field' });
    expect(check(s, { runConfig: { windowSeconds: 1.5 } })).toEqual({
      ok: false,
      problem: 'runConfig.windowSeconds: expected an integer, got 1.5',
    });
    expect(checkSettingsPatch({ runConfig: { kvTypeK: 'iso3' } }).ok).toBe(true);
  });

  it('files:registerDropped takes paths; dialog:openAudioFiles takes nothing', () => {
    const dropped = INVOKE_CHANNELS['files:registerDropped'].request;
    expect(ok(dropped, { paths: ['/a/b.wav'] })).toBe(true);
    expect(check(dropped, { paths: ['/a', ''] })).toEqual({
      ok: false,
      problem: 'paths[1]: too short (at least 1 characters)',
    });
    expect(check(dropped, { paths: Array.from({ length: 1001 }, () => '/a.wav') })).toEqual({
      ok: false,
      problem: 'paths: too many items (at most 1000 items)',
    });
    expect(ok(INVOKE_CHANNELS['dialog:openAudioFiles'].request, { defaultPath: '/etc' })).toBe(false);
    expect(ok(INVOKE_CHANNELS['dialog:openAudioFiles'].request, undefined)).toBe(true);
  });

  it('file lists cap each name', () => {
    const files = Array.from({ length: 5 }, (_, i) => ({
      token: `tok-${i}-abcdef`,
      name: 'a.wav',
      sizeBytes: 1,
    }));
    files[3] = { ...files[3]!, name: 'n'.repeat(1001) };
    expect(check(EVENT_CHANNELS['files:added'], { files })).toEqual({
      ok: false,
      problem: 'files[3].name: too long (at most 1000 characters)',
    });
  });

  it('engine events: status and progress, nothing else', () => {
    const s = EVENT_CHANNELS['engine:event'];
    expect(ok(s, { kind: 'status', state: 'ready', restarts: 0, pid: 42 })).toBe(true);
    expect(ok(s, { kind: 'progress', jobId: 'j1', fraction: 0.5 })).toBe(true);
    expect(check(s, { kind: 'progress', jobId: 'j1', fraction: 2 })).toEqual({
      ok: false,
      problem: 'fraction: too large (at most 1), got 2',
    });
    expect(ok(s, { kind: 'status', state: 'exploded', restarts: 0 })).toBe(false);
    expect(ok(s, { kind: 'bogus' })).toBe(false);
  });

  it('result envelopes carry typed errors', () => {
    const s = ipcResultSchema(INVOKE_CHANNELS['engine:ping'].response);
    expect(ok(s, { ok: true, value: { echo: 'a', pid: 1, roundTripMs: 0.3 } })).toBe(true);
    expect(ok(s, { ok: false, error: { code: 'IPC_INVALID_PAYLOAD', message: 'bad' } })).toBe(true);
    expect(ok(s, { ok: false, error: { code: 'NOT_A_CODE', message: 'bad' } })).toBe(false);
    expect(check(s, { ok: true, value: { echo: 'a' } })).toEqual({
      ok: false,
      problem: 'value.pid: missing',
    });
  });
});

describe('settings', () => {
  it('defaults are valid', () => {
    expect(ok(settingsSchema, DEFAULT_SETTINGS)).toBe(true);
  });

  it('reads stored settings leniently, field by field', () => {
    expect(settingsFromStored(null)).toEqual(DEFAULT_SETTINGS);
    expect(settingsFromStored({ theme: 'dark', threads: 'many', junk: 1 })).toEqual({
      ...DEFAULT_SETTINGS,
      theme: 'dark',
    });
  });
});
