/**
 * Continuous batching (issue 23) on trained weights (fixtures/trained), where windows really end at their own EOS:
 * windows of different lengths streamed through fewer slots than windows (each finished slot takes the next one)
 * must give every window exactly the transcript it gets decoded alone, and a per-window cap must stop each sequence
 * at its own length while the others go on.
 */
import { mkdir, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatPcm } from '@common/audio';
import { pcmFromWav } from '../../../fixtures/audio';
import { heldOut, heldOutWav, trainedVoxtral } from '../../../fixtures/trained';
import { runtimeTestDir } from './testkit';
import { loadVoxtral, type VoxtralContext, type VoxtralModel, type WindowTranscript } from './voxtral';

const dir = runtimeTestDir('continuous');
let model: VoxtralModel;
let alone: VoxtralContext;
let slots: VoxtralContext;
let pcms: Float32Array[];
let solo: WindowTranscript[];

beforeAll(async () => {
  await mkdir(dir, { recursive: true });
  const trained = await trainedVoxtral();
  const utterances = heldOut(trained.manifest, 'short').slice(0, 5);
  const clips = await Promise.all(utterances.map(async (u) => pcmFromWav(await heldOutWav(u, dir, 0.3))));
  // windows of clearly different lengths: one, two or three utterances in a row
  pcms = [
    clips[0]!,
    concatPcm([clips[1]!, clips[2]!]),
    clips[3]!,
    concatPcm([clips[4]!, clips[0]!, clips[2]!]),
    clips[1]!,
  ];
  model = await loadVoxtral({ modelPath: trained.modelPath, mmprojPath: trained.mmprojPath, threads: 2 });
  const cache = { typeK: 'f16', typeV: 'f16', threads: 2, flashAttention: 'off' } as const;
  alone = await model.createContext({ contextSize: 2048, parallel: 1, ...cache });
  slots = await model.createContext({ contextSize: 4096, parallel: 2, ...cache });
  solo = [];
  for (const pcm of pcms)
    solo.push((await alone.transcribe([{ pcm, language: 'en', maxTokens: 256 }])).windows[0]!);
}, 300_000);

afterAll(async () => {
  alone?.dispose();
  slots?.dispose();
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('continuous batching', () => {
  it('gives each window of a stream through fewer slots its one-at-a-time transcript', async () => {
    // the windows end at different steps: what the test is about
    expect(new Set(solo.map((w) => w.tokens.length)).size).toBeGreaterThan(2);
    for (const w of solo) expect(w.stopReason).toBe('eos');
    const pieces = pcms.map(() => '');
    const stream = slots.openStream({
      language: 'en',
      onPiece: (i, text) => {
        pieces[i] += text;
      },
    });
    const submitted = pcms.map((pcm) => stream.submit({ pcm, maxTokens: 256 }));
    expect(submitted.map((s) => s.index)).toEqual([0, 1, 2, 3, 4]);
    const order: number[] = [];
    const results = await Promise.all(
      submitted.map((s) =>
        s.result.then((r) => {
          order.push(s.index);
          return r;
        }),
      ),
    );
    const timings = await stream.close();
    for (let i = 0; i < pcms.length; i++) {
      expect([...results[i]!.tokens], `window ${i}`).toEqual([...solo[i]!.tokens]);
      expect(results[i]!.text).toBe(solo[i]!.text);
      expect(results[i]!.stopReason).toBe('eos');
      expect(pieces[i]).toBe(solo[i]!.text);
    }
    // five windows through two slots: every window was decoded, finishing out of submission order where shorter
    expect(timings.decodedTokens).toBe(solo.reduce((n, w) => n + w.tokens.length, 0));
    expect(order).toHaveLength(5);
    // one step decodes both slots: fewer steps than one window at a time would take
    expect(timings.decodeSteps).toBeLessThan(solo.reduce((n, w) => n + w.tokens.length + 1, 0));
  }, 300_000);

  it('stops each sequence at its own cap while the others go on', async () => {
    const caps = [3, 256, 7, 256, 1];
    const stream = slots.openStream({ language: 'en' });
    const results = await Promise.all(
      pcms.map((pcm, i) => stream.submit({ pcm, maxTokens: caps[i]! }).result),
    );
    await stream.close();
    for (let i = 0; i < pcms.length; i++) {
      const expected = [...solo[i]!.tokens].slice(0, caps[i]!);
      expect([...results[i]!.tokens], `window ${i}`).toEqual(expected);
      expect(results[i]!.stopReason).toBe(expected.length < solo[i]!.tokens.length ? 'max_tokens' : 'eos');
    }
    // the same through the one-call API: each window at its own cap, not trimmed from the largest
    const batch = await slots.transcribe(
      [0, 1].map((i) => ({ pcm: pcms[i]!, language: 'en', maxTokens: caps[i]! })),
    );
    expect(batch.windows.map((w) => w.tokens.length)).toEqual([3, solo[1]!.tokens.length]);
    expect(batch.timings.decodedTokens).toBe(3 + solo[1]!.tokens.length);
  }, 300_000);

  it('takes windows submitted while it decodes, and a cancel rejects every window left', async () => {
    const stream = slots.openStream({ language: 'en' });
    const first = stream.submit({ pcm: pcms[0]!, maxTokens: 256 });
    const r0 = await first.result;
    // the slot is free and the stream still open: a later window joins it
    const late = stream.submit({ pcm: pcms[2]!, maxTokens: 256 });
    expect(late.index).toBe(1);
    expect([...(await late.result).tokens]).toEqual([...solo[2]!.tokens]);
    expect([...r0.tokens]).toEqual([...solo[0]!.tokens]);
    await stream.close();
    expect(() => stream.submit({ pcm: pcms[0]! })).toThrow();

    const cancelled = slots.openStream({ language: 'en' });
    const a = cancelled.submit({ pcm: pcms[3]!, maxTokens: 256 });
    const b = cancelled.submit({ pcm: pcms[1]!, maxTokens: 256 });
    const c = cancelled.submit({ pcm: pcms[4]!, maxTokens: 256 });
    cancelled.cancel();
    for (const p of [a, b, c]) await expect(p.result).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(cancelled.close()).rejects.toMatchObject({ code: 'CANCELLED' });
    // and the context is usable again
    const again = await slots.transcribe([{ pcm: pcms[0]!, language: 'en', maxTokens: 256 }]);
    expect([...again.windows[0]!.tokens]).toEqual([...solo[0]!.tokens]);
  }, 300_000);
});
