/**
 * The addon's thread model (native/src/addon.cpp): racing calls refused with ENGINE_BUSY, results delivered only
 * once the context is free and the thread joined, memory queries that would race a decode refused, throwing
 * listeners contained, and running jobs cancelled and joined when the environment or the process goes away.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import type { VoxtralFixture } from '../../../fixtures/voxtral';
import {
  loadAddon,
  resolveAddonPath,
  type NativeAddon,
  type NativeContextParams,
  type NativeGenerateEvent,
  type NativeHandle,
} from './native';
import { buildTranscribePrompt } from './prompts';
import { runtimeTestDir, syntheticPcm, tinyVoxtral } from './testkit';
import {
  kvTypeSupported,
  loadVoxtral,
  setRotorQuantTuningForMeasurements,
  type VoxtralContext,
  type VoxtralModel,
} from './voxtral';

const dir = runtimeTestDir('native-threads');
let fx: VoxtralFixture;
let model: VoxtralModel;
let ctx: VoxtralContext;
let native: NativeAddon;

const CONTEXT: NativeContextParams = {
  nCtx: 2048,
  nBatch: 512,
  nUbatch: 512,
  nSeqMax: 1,
  typeK: 1,
  typeV: 1,
  flashAttn: -1,
  threads: 2,
  threadsBatch: 2,
  kvUnified: false,
};

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

function codeOf(e: unknown): unknown {
  return (e as { code?: unknown } | null)?.code;
}

/** A raw context of the shared model, for calls the TypeScript wrapper never makes (listeners that throw). */
function rawContext(): Promise<NativeHandle> {
  return new Promise((resolve, reject) =>
    native.createContext(model.nativeHandle(), CONTEXT, (ev) =>
      ev.type === 'done' ? resolve(ev.handle) : reject(new Error(ev.message)),
    ),
  );
}

function request(seed: number): { prompt: string; pcm: Float32Array } {
  return { prompt: buildTranscribePrompt(), pcm: syntheticPcm(1, seed) };
}

beforeAll(async () => {
  ({ fx, model, ctx } = await tinyVoxtral(dir));
  native = loadAddon();
});

afterAll(async () => {
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('busy contexts', () => {
  it('refuses a racing call at once with ENGINE_BUSY naming what runs; the first call is unharmed', async () => {
    const first = ctx.transcribe(syntheticPcm(2, 6), { maxTokens: 20 });
    const second = await rejection(ctx.transcribe(syntheticPcm(1, 6), { maxTokens: 2 }));
    expect(second).toBeInstanceOf(RotorError);
    expect(codeOf(second)).toBe('ENGINE_BUSY');
    expect((second as Error).message).toMatch(/running generate/);
    expect((await first).windows[0]!.tokens.length).toBe(20);
  });

  it('delivers a result only when the context is free: a call from the result listener itself is accepted', async () => {
    const handle = await rawContext();
    try {
      let runningAtResult = -1;
      const events = await new Promise<NativeGenerateEvent[]>((resolve, reject) => {
        const seen: NativeGenerateEvent[] = [];
        native.generate(handle, [request(1)], { maxTokens: 3, captureLogits: false, stream: false }, (ev) => {
          seen.push(ev);
          if (ev.type !== 'done') return reject(new Error(`first call: ${JSON.stringify(ev)}`));
          runningAtResult = native.runningJobs();
          // synchronously, inside the first call's result delivery: the old addon could answer ENGINE_BUSY here
          native.generate(
            handle,
            [request(2)],
            { maxTokens: 2, captureLogits: false, stream: false },
            (ev2) => {
              seen.push(ev2);
              resolve(seen);
            },
          );
        });
      });
      expect(events.map((e) => e.type)).toEqual(['done', 'done']);
      // the first call's thread was joined before its result arrived
      expect(runningAtResult).toBe(0);
    } finally {
      native.dispose(handle);
    }
  });

  it('never answers ENGINE_BUSY to back-to-back calls (what the JS retry loop used to wait out)', async () => {
    for (let i = 0; i < 12; i++) {
      const res = await ctx.transcribe(syntheticPcm(1, 20 + i), { maxTokens: 2 });
      expect(res.windows[0]!.tokens.length).toBe(2);
    }
  });

  it('refuses a memory query during a decode instead of racing it, and answers it afterwards', async () => {
    const running = ctx.transcribe(syntheticPcm(2, 7), { maxTokens: 16 });
    let refused: unknown;
    try {
      ctx.memory();
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(RotorError);
    expect(codeOf(refused)).toBe('ENGINE_BUSY');
    // the encoder's figures too, from another context of the same model
    const other = await model.createContext({ contextSize: 512, threads: 2 });
    try {
      expect(() => other.memory()).toThrow(/decode\(s\) of this model are running/);
      await running;
      expect(other.memory().kvBytes).toBeGreaterThan(0);
      expect(ctx.memory().kvBytes).toBeGreaterThan(0);
    } finally {
      other.dispose();
    }
  });
});

describe('cancellation and joins', () => {
  it('joins a job cancelled mid-decode before its promise settles', async () => {
    const ac = new AbortController();
    let pieces = 0;
    const p = ctx.transcribe(syntheticPcm(2, 5), {
      maxTokens: 1500,
      signal: ac.signal,
      onPiece: () => {
        if (++pieces === 3) ac.abort();
      },
    });
    expect(native.runningJobs()).toBe(1);
    const err = await rejection(p);
    expect(codeOf(err)).toBe('CANCELLED');
    expect(pieces).toBeLessThan(1500);
    expect(native.runningJobs()).toBe(0);
  });
});

describe('throwing listeners', () => {
  it('a listener that throws on a piece cancels its job, which ends with an INTERNAL error event', async () => {
    const handle = await rawContext();
    try {
      const events: NativeGenerateEvent[] = [];
      const last = await new Promise<NativeGenerateEvent>((resolve) => {
        native.generate(
          handle,
          [request(3)],
          { maxTokens: 1500, captureLogits: false, stream: true },
          (ev) => {
            events.push(ev);
            if (ev.type === 'piece') throw new Error('listener bug');
            resolve(ev);
          },
        );
      });
      expect(last).toMatchObject({ type: 'error', code: 'INTERNAL' });
      expect(last.type === 'error' && last.message).toMatch(/generate event listener threw: listener bug/);
      // pieces after the throw are dropped, and the decode stopped long before its cap
      expect(events.filter((e) => e.type === 'piece')).toHaveLength(1);
      expect(native.runningJobs()).toBe(0);
      // the context is free and works
      const again = await new Promise<NativeGenerateEvent>((resolve) =>
        native.generate(handle, [request(3)], { maxTokens: 2, captureLogits: false, stream: false }, resolve),
      );
      expect(again.type).toBe('done');
    } finally {
      native.dispose(handle);
    }
  });

  it('a throwing onPiece fails the call with what it threw', async () => {
    const bug = new Error('onPiece bug');
    const err = await rejection(
      ctx.transcribe(syntheticPcm(1, 4), {
        maxTokens: 1500,
        onPiece: () => {
          throw bug;
        },
      }),
    );
    expect(err).toBe(bug);
    expect((await ctx.transcribe(syntheticPcm(1, 4), { maxTokens: 2 })).windows[0]!.tokens.length).toBe(2);
  });

  it('a result listener that throws becomes a process warning, not a crash', async () => {
    const handle = await rawContext();
    try {
      const warning = new Promise<Error>((resolve) => process.once('warning', resolve));
      native.generate(handle, [request(5)], { maxTokens: 2, captureLogits: false, stream: false }, () => {
        throw new Error('result listener bug');
      });
      const w = await warning;
      expect(w.message).toMatch(/generate result listener threw: result listener bug/);
      expect(native.runningJobs()).toBe(0);
    } finally {
      native.dispose(handle);
    }
  });

  it('a throwing onProgress cancels the load and fails it with what it threw', async () => {
    const bug = new Error('progress bug');
    const err = await rejection(
      loadVoxtral({
        modelPath: fx.modelPath,
        mmprojPath: fx.mmprojPath,
        onProgress: () => {
          throw bug;
        },
      }),
    );
    expect(err).toBe(bug);
    expect(native.runningJobs()).toBe(0);
  });
});

describe('RotorQuant tuning (measurements only)', () => {
  it('is refused while a job runs, changes what an iso4 cache stores, and restores the built-in values', async () => {
    expect(kvTypeSupported('iso4')).toBe(true);
    const running = ctx.transcribe(syntheticPcm(1, 8), { maxTokens: 4 });
    expect(() => setRotorQuantTuningForMeasurements({ overloadWeight: 0 })).toThrow(/job\(s\) are running/);
    await running;
    const iso = await model.createContext({
      contextSize: 1024,
      typeK: 'iso4',
      typeV: 'iso4',
      flashAttention: 'on',
      threads: 2,
    });
    try {
      const pcm = syntheticPcm(2, 9);
      const row = async (): Promise<number[]> =>
        Array.from((await iso.evaluateLogits(pcm, { steps: 2 })).rows[1]!);
      const builtIn = await row();
      setRotorQuantTuningForMeasurements({ overloadWeight: 0, scale: 'mse' });
      const tuned = await row();
      setRotorQuantTuningForMeasurements({});
      const restored = await row();
      expect(tuned).not.toEqual(builtIn);
      expect(restored).toEqual(builtIn);
    } finally {
      setRotorQuantTuningForMeasurements({});
      iso.dispose();
    }
  });
});

// A child Node process with the addon, the tiny model and a decode that would run for a long time; `mode` decides
// how it ends while the decode runs.
const CHILD = `
const [addonPath, modelPath, mmprojPath, prompt, mode] = globalThis.ARGS ?? process.argv.slice(1);
const { parentPort } = require('node:worker_threads');
const fail = (what) => (ev) => { console.error(what, JSON.stringify(ev)); process.exit(3); };
const addon = require(addonPath);
addon.loadModel({ modelPath, mmprojPath, nGpuLayers: 0, useMmap: true, mmprojGpu: false, threads: 2, audioAvgpool: 0,
                  flashAttn: -1, warmup: false }, (m) => {
  if (m.type === 'error') return fail('load')(m);
  if (m.type !== 'done') return;
  addon.createContext(m.handle, { nCtx: 2048, nBatch: 512, nUbatch: 512, nSeqMax: 1, typeK: 1, typeV: 1,
                                  flashAttn: -1, threads: 2, threadsBatch: 2, kvUnified: false }, (c) => {
    if (c.type !== 'done') return fail('context')(c);
    const pcm = new Float32Array(32000).map((_, i) => 0.3 * Math.sin(i * 0.05));
    let pieces = 0;
    addon.generate(c.handle, [{ prompt, pcm }], { maxTokens: 100000, captureLogits: false, stream: true }, (g) => {
      if (g.type === 'piece') {
        if (++pieces !== 2) return;
        if (mode === 'in-worker') parentPort.postMessage('decoding');
        else if (mode === 'exit') process.exit(0);
        else {
          // let the loop run dry: the cancelled job ends, is joined, and the process exits
          addon.dispose(c.handle);
          addon.dispose(m.handle);
        }
        return;
      }
      if (mode !== 'dispose') fail('finished before the exit')(g);
      else if (g.type !== 'done' || !g.result.cancelled) fail('not cancelled')(g);
    });
  });
});
`;

// The decode runs in a worker_thread that the main thread terminates mid-decode: the worker environment's cleanup
// hook has to cancel and join the job.
const WORKER_CHILD = `
const { Worker } = require('node:worker_threads');
const body = 'globalThis.ARGS = require("node:worker_threads").workerData;' + ${JSON.stringify(CHILD)};
const w = new Worker(body, { eval: true, workerData: [...process.argv.slice(1, 5), 'in-worker'] });
w.on('message', async () => { await w.terminate(); console.log('terminated'); });
w.on('error', (e) => { console.error('worker error', e); process.exit(4); });
`;

function runChild(
  script: string,
  mode: string,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-e', script, resolveAddonPath(), fx.modelPath, fx.mmprojPath, buildTranscribePrompt(), mode],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

describe('exit with a running job', () => {
  it('process.exit mid-decode exits 0 without an abort or a crash', async () => {
    // several at once: a join that came too late (after exit() freed llama.cpp's statics) crashed about half of them
    const runs = await Promise.all([1, 2, 3, 4].map(() => runChild(CHILD, 'exit')));
    for (const r of runs) {
      expect(r.out).not.toMatch(/terminate|abort|Assertion/i);
      expect(r).toMatchObject({ code: 0, signal: null });
    }
  }, 150_000);

  it('disposing the handles mid-decode lets the process end once the cancelled job is joined', async () => {
    const r = await runChild(CHILD, 'dispose');
    expect(r.out).not.toMatch(/terminate|abort|Assertion/i);
    expect(r).toMatchObject({ code: 0, signal: null });
  }, 150_000);

  it('terminating a worker mid-decode cancels and joins its job (environment cleanup hook)', async () => {
    const r = await runChild(WORKER_CHILD, 'worker');
    expect(r.out).not.toMatch(/terminate called|abort|Assertion/i);
    expect(r.out).toContain('terminated');
    expect(r).toMatchObject({ code: 0, signal: null });
  }, 150_000);
});
