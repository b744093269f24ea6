import { describe, expect, it } from 'vitest';
import {
  EVENT_CHANNELS,
  INVOKE_CHANNELS,
  checkIpcResult,
  isEventChannel,
  isInvokeChannel,
  isRendererInvokeChannel,
} from './ipc-contract';
import { arrayOf, either, empty, num, object, oneOf, str } from './ipc-validate';
import { DEFAULT_SETTINGS, checkSettings, settingsFromStored } from './settings';

describe('validators', () => {
  it('str enforces type, length and pattern', () => {
    const v = str({ min: 2, max: 4, pattern: /^[a-z]+$/ });
    expect(v('abc')).toEqual({ ok: true, value: 'abc' });
    expect(v('a').ok).toBe(false);
    expect(v('abcde').ok).toBe(false);
    expect(v('AB').ok).toBe(false);
    expect(v(12).ok).toBe(false);
  });

  it('num rejects NaN, Infinity, non-integers and out-of-range values', () => {
    const v = num({ min: 0, max: 10, integer: true });
    expect(v(3)).toEqual({ ok: true, value: 3 });
    for (const bad of [NaN, Infinity, 1.5, -1, 11, '3', null]) expect(v(bad).ok).toBe(false);
  });

  it('object rejects unknown fields, missing fields and non-plain objects', () => {
    const v = object({ a: num() }, { b: str() });
    expect(v({ a: 1 })).toEqual({ ok: true, value: { a: 1 } });
    expect(v({ a: 1, b: 'x' })).toEqual({ ok: true, value: { a: 1, b: 'x' } });
    const extra = v({ a: 1, evil: true });
    expect(extra.ok).toBe(false);
    if (!extra.ok) expect(extra.problem).toContain('evil');
    const missing = v({ b: 'x' });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.problem).toMatch(/^a: expected a finite number/);
    expect(v([1]).ok).toBe(false);
    expect(v(new Date()).ok).toBe(false);
    expect(v(null).ok).toBe(false);
  });

  it('nested paths name the offending field', () => {
    const v = object({ list: arrayOf(object({ n: num() })) });
    const r = v({ list: [{ n: 1 }, { n: 'x' }] });
    expect(r).toEqual({ ok: false, problem: 'list[1].n: expected a finite number, got "x"' });
  });

  it('arrayOf caps the length', () => {
    expect(arrayOf(num(), { max: 2 })([1, 2, 3]).ok).toBe(false);
  });

  it('oneOf and either', () => {
    expect(oneOf('a', 'b')('b').ok).toBe(true);
    expect(oneOf('a', 'b')('c').ok).toBe(false);
    const v = either(num(), str());
    expect(v(1).ok && v('x').ok).toBe(true);
    expect(v(true).ok).toBe(false);
  });

  it('empty accepts undefined and {} only', () => {
    expect(empty(undefined).ok).toBe(true);
    expect(empty({}).ok).toBe(true);
    expect(empty({ x: 1 }).ok).toBe(false);
    expect(empty('x').ok).toBe(false);
  });
});

describe('ipc contract', () => {
  it('every channel is namespaced and has request and response validators', () => {
    for (const [name, spec] of Object.entries(INVOKE_CHANNELS)) {
      expect(name).toMatch(/^[a-z]+:[A-Za-z]+$/);
      expect(typeof spec.request).toBe('function');
      expect(typeof spec.response).toBe('function');
    }
    for (const name of Object.keys(EVENT_CHANNELS)) expect(name).toMatch(/^[a-z]+:[A-Za-z]+$/);
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
    const v = INVOKE_CHANNELS['engine:ping'].request;
    expect(v({ echo: 'hi' }).ok).toBe(true);
    expect(v({ echo: 5 }).ok).toBe(false);
    expect(v({ echo: 'x'.repeat(201) }).ok).toBe(false);
    expect(v(undefined).ok).toBe(false);
  });

  it('settings:set accepts partial patches but validates each field', () => {
    const v = INVOKE_CHANNELS['settings:set'].request;
    expect(v({ theme: 'dark' })).toEqual({ ok: true, value: { theme: 'dark' } });
    expect(v({}).ok).toBe(true);
    expect(v({ theme: 'purple' }).ok).toBe(false);
    expect(v({ threads: -1 }).ok).toBe(false);
    expect(v({ language: '../../etc' }).ok).toBe(false);
    expect(v({ path: '/etc/passwd' }).ok).toBe(false);
  });

  it('files:registerDropped takes paths; dialog:openAudioFiles takes nothing', () => {
    expect(INVOKE_CHANNELS['files:registerDropped'].request({ paths: ['/a/b.wav'] }).ok).toBe(true);
    expect(INVOKE_CHANNELS['files:registerDropped'].request({ paths: [''] }).ok).toBe(false);
    expect(INVOKE_CHANNELS['dialog:openAudioFiles'].request({ defaultPath: '/etc' }).ok).toBe(false);
  });

  it('engine events: status and progress, nothing else', () => {
    const v = EVENT_CHANNELS['engine:event'];
    expect(v({ kind: 'status', state: 'ready', restarts: 0, pid: 42 }).ok).toBe(true);
    expect(v({ kind: 'progress', jobId: 'j1', fraction: 0.5 }).ok).toBe(true);
    expect(v({ kind: 'progress', jobId: 'j1', fraction: 2 }).ok).toBe(false);
    expect(v({ kind: 'status', state: 'exploded', restarts: 0 }).ok).toBe(false);
  });

  it('result envelopes carry typed errors', () => {
    const v = checkIpcResult(INVOKE_CHANNELS['engine:ping'].response);
    expect(v({ ok: true, value: { echo: 'a', pid: 1, roundTripMs: 0.3 } }).ok).toBe(true);
    expect(v({ ok: false, error: { code: 'IPC_INVALID_PAYLOAD', message: 'bad' } }).ok).toBe(true);
    expect(v({ ok: false, error: { code: 'NOT_A_CODE', message: 'bad' } }).ok).toBe(false);
    expect(v({ ok: true, value: { echo: 'a' } }).ok).toBe(false);
  });
});

describe('settings', () => {
  it('defaults are valid', () => {
    expect(checkSettings(DEFAULT_SETTINGS).ok).toBe(true);
  });

  it('reads stored settings leniently, field by field', () => {
    expect(settingsFromStored(null)).toEqual(DEFAULT_SETTINGS);
    expect(settingsFromStored({ theme: 'dark', threads: 'many', junk: 1 })).toEqual({
      ...DEFAULT_SETTINGS,
      theme: 'dark',
    });
  });
});
