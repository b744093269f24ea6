/** The advisor channels through the real IPC gate (registerIpc.dispatch), with a recorded hardware profile. */
import { describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS, ipcResultSchema } from '@common/ipc-contract';
import { check } from '@common/schema';
import type { EngineHost } from '../engine/host/engine-host';
import { createFileRegistry } from '../app/file-registry';
import { registerIpc, type IpcDeps } from '../app/ipc';
import type { InvokeEventLike } from '../app/security';
import type { SettingsStore } from '../app/settings-store';
import { createAdvisorService } from './service';
import { PROFILES } from './test-profiles';

const ours: InvokeEventLike = { senderFrame: { url: 'app://rotorscribe/index.html', parent: null } };

function gate(advisor?: IpcDeps['advisor']) {
  const deps: IpcDeps = {
    isTrustedSender: () => true,
    appInfo: () => ({
      name: 'x',
      version: '0',
      platform: 'linux',
      arch: 'x64',
      versions: { electron: '', chrome: '', node: '' },
    }),
    engine: {} as Pick<EngineHost, 'request'>,
    settings: {} as SettingsStore,
    files: createFileRegistry(),
    showOpenAudioDialog: async () => [],
    ...(advisor ? { advisor } : {}),
  };
  return registerIpc({ handle: () => undefined, removeHandler: () => undefined }, deps);
}

describe('advisor IPC channels', () => {
  const advisor = createAdvisorService({ hardware: PROFILES.laptop6 });

  it('advisor:getReport answers a report that matches the contract', async () => {
    const result = await gate(advisor).dispatch('advisor:getReport', ours, undefined);
    expect(result.ok).toBe(true);
    const checked = check(ipcResultSchema(INVOKE_CHANNELS['advisor:getReport'].response), result);
    expect(checked.ok ? 'ok' : checked.problem).toBe('ok');
  });

  it('advisor:evaluate computes the consequence of an override', async () => {
    const result = await gate(advisor).dispatch('advisor:evaluate', ours, {
      overrides: { kvTypeK: 'f16', kvTypeV: 'f16' },
    });
    expect(check(ipcResultSchema(INVOKE_CHANNELS['advisor:evaluate'].response), result).ok).toBe(true);
    if (!result.ok) throw new Error('expected ok');
    expect((result.value as { verdict: string }).verdict).toMatch(/^Does not fit/);
  });

  it('rejects malformed overrides at the gate and range errors in the advisor, both as typed errors', async () => {
    const g = gate(advisor);
    for (const [payload, detail] of [
      [
        { overrides: { kvTypeK: 'q3_xx' } },
        /^overrides\.kvTypeK: expected \("f32" \| "f16" \| .*, got "q3_xx"$/,
      ],
      [{ overrides: { windowSeconds: 1.5 } }, /^overrides\.windowSeconds: expected an integer, got 1\.5$/],
      [{ overrides: { extra: 1 } }, /^overrides\.extra: unexpected field$/],
      [{}, /^overrides: missing$/],
    ] as const) {
      const r = await g.dispatch('advisor:evaluate', ours, payload);
      expect(r).toMatchObject({
        ok: false,
        error: { code: 'IPC_INVALID_PAYLOAD', detail: expect.stringMatching(detail) },
      });
    }
    const range = await g.dispatch('advisor:evaluate', ours, { overrides: { threads: 999 } });
    expect(range).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } });
  });

  it('answers a typed error when no advisor is wired', async () => {
    const r = await gate().dispatch('advisor:getReport', ours, undefined);
    expect(r).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});
