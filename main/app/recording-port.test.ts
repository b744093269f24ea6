import { describe, expect, it, vi } from 'vitest';
import type { ChunkPort } from '../recording/service';
import { acceptRecordingPort, chunkPortOf } from './recording-port';

function port() {
  const close = vi.fn((): void => undefined);
  const p: ChunkPort = { onMessage: vi.fn(), onClose: vi.fn(), start: vi.fn(), close };
  return Object.assign(p, { close });
}
const ours = { senderFrame: { url: 'app://rotorscribe/index.html', parent: null } };

describe('recording port (main side)', () => {
  it('hands a trusted sender’s single port to the running recording', () => {
    const p = port();
    const attachPort = vi.fn();
    const ok = acceptRecordingPort(
      { ...ours, ports: [p] },
      { id: 'rec-1' },
      {
        isTrustedSender: () => true,
        attachPort,
      },
    );
    expect(ok).toBe(true);
    expect(attachPort).toHaveBeenCalledWith('rec-1', p);
    expect(p.close).not.toHaveBeenCalled();
  });

  it('closes the port for an untrusted sender, a bad payload, extra ports or an unknown recording', () => {
    const attachPort = vi.fn(() => {
      throw new Error('RECORDING_NOT_FOUND');
    });
    const cases: [boolean, unknown, number][] = [
      [false, { id: 'rec-1' }, 1],
      [true, { id: '' }, 1],
      [true, { id: 'rec-1', extra: 1 }, 1],
      [true, { id: 'rec-1' }, 2],
      [true, { id: 'rec-1' }, 1],
    ];
    for (const [trusted, payload, n] of cases) {
      const ports = Array.from({ length: n }, port);
      const logError = vi.fn();
      expect(
        acceptRecordingPort({ ...ours, ports }, payload, {
          isTrustedSender: () => trusted,
          attachPort,
          logError,
        }),
      ).toBe(false);
      for (const p of ports) expect(p.close).toHaveBeenCalled();
    }
  });

  it('adapts a MessagePortMain: message data, close, start', () => {
    const handlers = new Map<string, (e?: { data: unknown }) => void>();
    const main = {
      on: vi.fn((event: string, l: (e?: { data: unknown }) => void) => handlers.set(event, l)),
      start: vi.fn(),
      close: vi.fn(),
    };
    const p = chunkPortOf(main);
    const got: unknown[] = [];
    let closed = false;
    p.onMessage((d) => got.push(d));
    p.onClose(() => (closed = true));
    p.start();
    handlers.get('message')!({ data: { seq: 0 } });
    handlers.get('close')!();
    expect(got).toEqual([{ seq: 0 }]);
    expect(closed).toBe(true);
    expect(main.start).toHaveBeenCalled();
  });
});
