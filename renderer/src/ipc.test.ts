import { afterEach, describe, expect, it, vi } from 'vitest';
import { RotorError } from '@common/errors';
import { invoke, on, registerDroppedFiles } from './ipc';
import { installFakeApi, removeFakeApi } from './test-support';

const pong = { echo: 'hi', pid: 7, roundTripMs: 0.5 };

afterEach(() => {
  removeFakeApi();
  vi.restoreAllMocks();
});

async function refusal(promise: Promise<unknown>): Promise<RotorError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RotorError)) throw new Error(`expected a RotorError, got ${String(error)}`);
  return error;
}

describe('renderer ipc client', () => {
  it('returns a response that matches the contract', async () => {
    installFakeApi({ 'engine:ping': () => ({ ok: true, value: pong }) });
    expect(await invoke('engine:ping', { echo: 'hi' })).toEqual(pong);
  });

  it('turns an error envelope back into the typed RotorError', async () => {
    installFakeApi({
      'engine:ping': () => ({ ok: false, error: { code: 'ENGINE_CRASHED', message: 'gone', hint: 'retry' } }),
    });
    const error = await refusal(invoke('engine:ping', { echo: 'hi' }));
    expect([error.code, error.message, error.hint]).toEqual(['ENGINE_CRASHED', 'gone', 'retry']);
  });

  it.each([
    [
      'a missing field',
      { ok: true, value: { echo: 'hi', pid: 7 } },
      'engine:ping: value.roundTripMs: missing',
    ],
    [
      'a wrong type',
      { ok: true, value: { ...pong, pid: '7' } },
      'engine:ping: value.pid: expected number, got "7"',
    ],
    [
      'an extra field',
      { ok: true, value: { ...pong, path: '/x' } },
      'engine:ping: value.path: unexpected field',
    ],
    [
      'an unknown error code',
      { ok: false, error: { code: 'NOPE', message: 'x' } },
      'engine:ping: error.code:',
    ],
    ['no envelope', 'pong', 'engine:ping: payload:'],
  ])('refuses a response with %s as IPC_INVALID_PAYLOAD', async (_name, answer, detail) => {
    installFakeApi({ 'engine:ping': () => answer as never });
    const error = await refusal(invoke('engine:ping', { echo: 'hi' }));
    expect(error.code).toBe('IPC_INVALID_PAYLOAD');
    expect(error.detail?.startsWith(detail)).toBe(true);
  });

  it('checks the answer to registerDroppedFiles too', async () => {
    const files = Array.from({ length: 4 }, (_, i) => ({
      token: `token-${i}-xyz`,
      name: 'a.wav',
      sizeBytes: 1,
    }));
    files[3] = { ...files[3]!, name: 'n'.repeat(1001) };
    installFakeApi({ 'files:registerDropped': () => ({ ok: true, value: { files } }) });
    const error = await refusal(registerDroppedFiles([new File([], 'a.wav')]));
    expect(error.detail).toBe(
      'files:registerDropped: value.files[3].name: too long (at most 1000 characters)',
    );
  });

  it('delivers events that match the contract and drops the rest, saying why', () => {
    const fake = installFakeApi();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const got: unknown[] = [];
    const off = on('app:navigate', (p) => got.push(p));
    fake.emit('app:navigate', { view: 'settings' });
    fake.emit('app:navigate', { view: 'terminal' });
    fake.emit('app:navigate', { view: 'library', extra: 1 });
    expect(got).toEqual([{ view: 'settings' }]);
    expect(errors).toHaveBeenCalledTimes(2);
    expect(String(errors.mock.calls[1]?.[0])).toContain('app:navigate event: extra: unexpected field');
    off();
    expect(fake.listenerCount('app:navigate')).toBe(0);
  });
});
