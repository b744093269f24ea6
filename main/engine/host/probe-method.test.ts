import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { parseProbeParams, probeMethods } from './probe-method';

describe('probe engine method', () => {
  it('takes one absolute path and nothing else', () => {
    expect(parseProbeParams({ path: '/a/b.mp3' })).toEqual({ path: '/a/b.mp3' });
    for (const bad of [
      null,
      [],
      {},
      { path: 'rel.mp3' },
      { path: '' },
      { path: '/a', extra: 1 },
      { path: 3 },
    ])
      expect(() => parseProbeParams(bad)).toThrow(expect.objectContaining({ code: 'IPC_INVALID_PAYLOAD' }));
  });

  it('passes the decoder’s result and its typed errors through, with the request signal', async () => {
    const seen: (AbortSignal | undefined)[] = [];
    const methods = probeMethods(async (path, opts) => {
      seen.push(opts.signal);
      if (path === '/empty.mp3')
        throw new RotorError('FILE_EMPTY', undefined, { hint: 'Choose another file.' });
      return { durationSec: 12, container: 'wav', codec: 'pcm_s16le', channels: 1, sampleRate: 16000 };
    });
    const ac = new AbortController();
    const ctx = { id: 1, signal: ac.signal, emit: () => undefined, onControl: () => undefined };
    await expect(methods.probe!.run({ path: '/ok.wav' }, ctx)).resolves.toMatchObject({ durationSec: 12 });
    await expect(methods.probe!.run({ path: '/empty.mp3' }, ctx)).rejects.toMatchObject({
      code: 'FILE_EMPTY',
    });
    expect(seen).toEqual([ac.signal, ac.signal]);
  });
});
