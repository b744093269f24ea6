/**
 * Adapter from the native runtime (main/engine/runtime: Voxtral on llama.cpp + mtmd) to the scheduler's Transcriber
 * seam. One context holds `parallel` sequences; each sequence needs room for the prompt, the audio tokens of all of
 * one window's 30 s encoder chunks and the window's output cap (common/window-budget.ts).
 */
import { RotorError } from '@common/errors';
import { isKvCacheType, type KvCacheType } from '@common/kv-cache-types';
import type { EngineIdentity } from '../checkpoints/store';
import { windowCells } from '@common/window-budget';
import type { TranscribeOptions, Transcriber, WindowRequest, WindowResult } from '../scheduler/transcriber';
import type { StopReason } from '../stop-reason';

/** One window as the runtime takes it. */
export interface RuntimeWindow {
  pcm: Float32Array;
  language?: string;
  maxTokens?: number;
  repetitionPenalty?: number;
  prefixTokens?: ArrayLike<number>;
}

/** One window's result as the runtime gives it. */
export interface RuntimeWindowResult {
  text: string;
  tokens: ArrayLike<number>;
  stopReason: StopReason;
}

/** VoxtralContext.openStream's surface: windows submitted while the context decodes (continuous batching). */
export interface RuntimeStreamLike {
  submit(window: RuntimeWindow): { index: number; result: Promise<RuntimeWindowResult> };
  close(): Promise<unknown>;
  cancel(): void;
}

/** The part of VoxtralContext the adapter uses (structural, so tests can pass a fake). */
export interface RuntimeContextLike {
  transcribe(
    windows: RuntimeWindow[],
    opts: { signal?: AbortSignal; onPiece?: (windowIndex: number, text: string, token: number) => void },
  ): Promise<{ windows: RuntimeWindowResult[] }>;
  /** Absent (a fake, an older runtime): every call is one transcribe of its windows. */
  openStream?(opts: { onPiece?: (index: number, text: string, token: number) => void }): RuntimeStreamLike;
}

/** Closes a stream; its end, failed or not (a context disposed meanwhile refuses the close). */
function endOf(stream: RuntimeStreamLike): Promise<unknown> {
  return Promise.resolve()
    .then(() => stream.close())
    .catch(() => undefined);
}

/** The open stream that concurrent calls share, with the piece route of each window in it. */
interface Session {
  stream: RuntimeStreamLike;
  inFlight: number;
  routes: Map<number, (text: string, token: number) => void>;
}

/**
 * Calls made while others are still decoding share one open stream of the context: each window takes a sequence slot
 * as one frees (continuous batching), so a caller that keeps up to `maxParallel` single-window calls in flight keeps
 * every slot busy. The stream closes once no window is in flight; a cancelled call cancels the stream it shares.
 */
export class RuntimeTranscriber implements Transcriber {
  private session: Session | undefined;
  private opening: Promise<Session> | undefined;
  /** The last stream's end: the context takes the next one only after it. */
  private lastEnd: Promise<unknown> = Promise.resolve();

  /** A stream queues windows and computes their log-mel ahead (native engine.cpp Lookahead: 3 at once). */
  readonly queueAhead: number;

  constructor(
    private readonly ctx: RuntimeContextLike,
    readonly maxParallel: number,
  ) {
    this.queueAhead = ctx.openStream ? 3 : 0;
  }

  async transcribe(windows: WindowRequest[], opts: TranscribeOptions = {}): Promise<WindowResult[]> {
    if (!this.ctx.openStream && windows.length > this.maxParallel) {
      throw new RotorError(
        'INTERNAL',
        `${windows.length} windows for a context of ${this.maxParallel} sequences`,
      );
    }
    try {
      let res;
      try {
        res = await this.run(windows, opts, true);
      } catch (error) {
        // An engine built before resuming inside a window existed: decode those windows from their start instead.
        if (!(error instanceof RotorError && error.detail === 'no_forced_continuation')) throw error;
        res = await this.run(windows, opts, false);
      }
      return res.map((r) => ({
        text: r.text,
        tokenCount: r.tokens.length,
        // A full context is a runaway as far as the scheduler is concerned.
        stopReason: r.stopReason === 'eos' || r.stopReason === 'cancelled' ? r.stopReason : 'max_tokens',
      }));
    } catch (error) {
      if (opts.signal?.aborted || (error instanceof RotorError && error.code === 'CANCELLED')) {
        return windows.map(() => ({ text: '', tokenCount: 0, stopReason: 'cancelled' }));
      }
      throw error;
    }
  }

  private async run(
    windows: WindowRequest[],
    opts: TranscribeOptions,
    withPrefix: boolean,
  ): Promise<RuntimeWindowResult[]> {
    const prefixes = windows.map((w) => (withPrefix ? (w.prefixTokens ?? []) : []));
    // The runtime sends a piece for every token, forced ones first: those were reported by the run that saved them.
    const seen = windows.map(() => 0);
    const { onPiece, onTokens } = opts;
    const piece =
      onPiece || onTokens
        ? (i: number, text: string, token: number): void => {
            const id = windows[i]!.windowId;
            onPiece?.(id, text);
            if (seen[i]!++ >= prefixes[i]!.length) onTokens?.(id, [token]);
          }
        : undefined;
    const requests = windows.map((w, i): RuntimeWindow => ({
      pcm: w.pcm,
      maxTokens: w.maxTokens,
      ...(w.language ? { language: w.language } : {}),
      ...(w.repetitionPenalty !== undefined ? { repetitionPenalty: w.repetitionPenalty } : {}),
      ...(prefixes[i]!.length > 0 ? { prefixTokens: prefixes[i] } : {}),
    }));
    if (!this.ctx.openStream) {
      const res = await this.ctx.transcribe(requests, {
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(piece ? { onPiece: piece } : {}),
      });
      return res.windows;
    }
    if (opts.signal?.aborted) throw new RotorError('CANCELLED');
    const session = await this.acquire();
    session.inFlight += windows.length;
    const onAbort = (): void => session.stream.cancel();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const results = requests.map((req, i) => {
        const { index, result } = session.stream.submit(req);
        if (piece) session.routes.set(index, (text, token) => piece(i, text, token));
        return result.finally(() => session.routes.delete(index));
      });
      const settled = await Promise.allSettled(results);
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) {
        // the stream is stopped (cancelled, or failed for every window in it): the next call opens a new one
        if (this.session === session) {
          this.session = undefined;
          this.lastEnd = endOf(session.stream);
        }
        throw failed.reason;
      }
      return settled.map((r) => (r as PromiseFulfilledResult<RuntimeWindowResult>).value);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      session.inFlight -= windows.length;
      this.closeWhenIdle(session);
    }
  }

  /** The open stream, or a new one once the last has ended (one decode per context at a time). */
  private acquire(): Promise<Session> {
    if (this.session) return Promise.resolve(this.session);
    this.opening ??= this.lastEnd.then(() => {
      const routes = new Map<number, (text: string, token: number) => void>();
      const stream = this.ctx.openStream!({
        onPiece: (index, text, token) => routes.get(index)?.(text, token),
      });
      const session: Session = { stream, inFlight: 0, routes };
      this.session = session;
      this.opening = undefined;
      return session;
    });
    const opening = this.opening;
    // a failed open is the caller's error; the next call tries again
    opening.catch(() => {
      if (this.opening === opening) this.opening = undefined;
    });
    return opening;
  }

  /** No window in flight after this turn of the event loop (a caller may be about to submit its next): close. */
  private closeWhenIdle(session: Session): void {
    if (session.inFlight > 0) return;
    setImmediate(() => {
      if (session.inFlight > 0 || this.session !== session) return;
      this.session = undefined;
      this.lastEnd = endOf(session.stream);
    });
  }
}

/**
 * Context cells one sequence needs for a window of up to `maxWindowSec`: its audio is fed as consecutive 30 s
 * encoder chunks into that one sequence, followed by the window's text.
 */
export function cellsPerSequence(audioTokensPer30s: number, maxWindowSec: number): number {
  return windowCells(maxWindowSec, audioTokensPer30s);
}

export interface RuntimeModelFiles {
  modelPath: string;
  mmprojPath: string;
  threads?: number;
  /** Text-model layers on the GPU (0 = CPU only; the runtime's default when absent). */
  gpuLayers?: number;
  /** The audio encoder on the GPU when there is one. */
  mmprojGpu?: boolean;
  /** The encoder's F16 weights as BF16 (absent: the runtime's choice, BF16 where the CPU multiplies it natively). */
  encoderBf16?: boolean;
}

/**
 * Where a plan puts the model (threads, text layers and encoder on the GPU) as load options; `threads` overrides the
 * plan's (the user's explicit setting).
 */
export function placementOf(
  plan: { threads?: number | undefined; gpuLayers?: number | undefined; mmprojGpu?: boolean | undefined },
  threads = plan.threads,
): Pick<RuntimeModelFiles, 'threads' | 'gpuLayers' | 'mmprojGpu'> {
  return {
    ...(threads ? { threads } : {}),
    ...(plan.gpuLayers !== undefined ? { gpuLayers: plan.gpuLayers } : {}),
    ...(plan.mmprojGpu !== undefined ? { mmprojGpu: plan.mmprojGpu } : {}),
  };
}

/**
 * What sizes and types the context: the client's memory plan (nothing here consults a budget of its own), with the
 * flash attention and threads it was planned with (absent: the runtime's defaults).
 */
export interface RuntimeContextPlan {
  kvK: string;
  kvV: string;
  maxWindowSec: number;
  parallel: number;
  flashAttention?: boolean;
  threads?: number;
}

/** The loaded model's surface this module needs (structural: the worker's model cache holds it). */
export interface RuntimeModelLike {
  readonly info: { audioTokensPer30s: number };
  readonly audioTokenRate: string;
  readonly paths: { model: string; mmproj: string };
  createContext(opts: {
    contextSize: number;
    parallel: number;
    typeK: KvCacheType;
    typeV: KvCacheType;
    threads?: number;
    flashAttention?: 'auto' | 'on' | 'off';
  }): Promise<RuntimeContextLike & { dispose(): void; memory?(): ContextMemory }>;
  dispose(): void;
}

/** The runtime's MemoryReport fields the advisor compares with its prediction. */
export interface ContextMemory {
  weightsBytes: number;
  kvBytes: number;
  computeBytes: number;
  mmprojWeightsBytes: number;
  mmprojComputeBytes: number;
}

export interface RuntimeEngine {
  transcriber: RuntimeTranscriber;
  identity: EngineIdentity;
  /** Measured right after the context was created (no decode running, which the runtime requires). */
  memory?: ContextMemory & { nCtx: number };
  /** Releases the context only; the model stays with whoever loaded it. */
  dispose(): void;
}

/** The runtime's loader as this module calls it (structural, so tests can record what reaches it). */
export type LoadVoxtralLike = (opts: {
  modelPath: string;
  mmprojPath: string;
  threads?: number;
  gpuLayers?: number;
  mmprojGpu?: boolean;
  encoderBf16?: boolean;
  onProgress?: (fraction: number) => void;
}) => Promise<RuntimeModelLike>;

/** Loads the weights and the audio encoder where the plan put them; no context yet (that waits for the plan). */
export async function loadRuntimeModel(
  files: RuntimeModelFiles,
  load?: LoadVoxtralLike,
  onProgress?: (fraction: number) => void,
): Promise<RuntimeModelLike> {
  const loadVoxtral = load ?? (await import('../runtime/index')).loadVoxtral;
  return loadVoxtral({
    modelPath: files.modelPath,
    mmprojPath: files.mmprojPath,
    ...(files.threads ? { threads: files.threads } : {}),
    ...(files.gpuLayers !== undefined ? { gpuLayers: files.gpuLayers } : {}),
    ...(files.mmprojGpu !== undefined ? { mmprojGpu: files.mmprojGpu } : {}),
    ...(files.encoderBf16 !== undefined ? { encoderBf16: files.encoderBf16 } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
}

function fileName(path: string): string {
  return path.split(/[\\/]/u).pop() ?? path;
}

/**
 * A context sized from the plan: `parallel` sequences of one window each, with the plan's flash attention; `threads`
 * (the user's explicit setting) over the plan's.
 */
export async function createRuntimeEngine(
  model: RuntimeModelLike,
  plan: RuntimeContextPlan,
  explicitThreads?: number,
): Promise<RuntimeEngine> {
  const threads = explicitThreads ?? plan.threads;
  if (!isKvCacheType(plan.kvK) || !isKvCacheType(plan.kvV)) {
    throw new RotorError('KV_TYPE_UNSUPPORTED', `Unknown KV cache type ${plan.kvK}/${plan.kvV}.`);
  }
  const perSeq = cellsPerSequence(model.info.audioTokensPer30s, plan.maxWindowSec);
  const nCtx = Math.max(256, perSeq * plan.parallel);
  const ctx = await model.createContext({
    contextSize: nCtx,
    parallel: plan.parallel,
    typeK: plan.kvK,
    typeV: plan.kvV,
    ...(threads ? { threads } : {}),
    ...(plan.flashAttention !== undefined ? { flashAttention: plan.flashAttention ? 'on' : 'off' } : {}),
  });
  let m: ContextMemory | undefined;
  try {
    m = ctx.memory?.();
  } catch {
    // a measurement for the settings panel must never fail the job
  }
  return {
    ...(m
      ? {
          memory: {
            weightsBytes: m.weightsBytes,
            kvBytes: m.kvBytes,
            computeBytes: m.computeBytes,
            mmprojWeightsBytes: m.mmprojWeightsBytes,
            mmprojComputeBytes: m.mmprojComputeBytes,
            nCtx,
          },
        }
      : {}),
    transcriber: new RuntimeTranscriber(ctx, plan.parallel),
    identity: {
      id: `voxtral-llama.cpp/${model.audioTokenRate}`,
      model: fileName(model.paths.model),
      mmproj: fileName(model.paths.mmproj),
      kvK: plan.kvK,
      kvV: plan.kvV,
    },
    dispose: () => ctx.dispose(),
  };
}

export interface OpenRuntimeRequest extends RuntimeContextPlan {
  modelPath?: string;
  mmprojPath?: string;
  threads?: number;
  gpuLayers?: number;
  mmprojGpu?: boolean;
}

/** Model + context in one call, owned together (tests and benches; the engine worker caches the model instead). */
export async function openRuntimeTranscriber(req: OpenRuntimeRequest): Promise<{
  transcriber: RuntimeTranscriber;
  identity: EngineIdentity;
  dispose(): void;
}> {
  if (!req.modelPath || !req.mmprojPath) {
    throw new RotorError('MODEL_NOT_FOUND', 'No model given.', {
      hint: 'Pass --model FILE.gguf --mmproj MMPROJ.gguf.',
    });
  }
  const model = await loadRuntimeModel({
    modelPath: req.modelPath,
    mmprojPath: req.mmprojPath,
    ...(req.threads ? { threads: req.threads } : {}),
    ...(req.gpuLayers !== undefined ? { gpuLayers: req.gpuLayers } : {}),
    ...(req.mmprojGpu !== undefined ? { mmprojGpu: req.mmprojGpu } : {}),
  });
  try {
    const engine = await createRuntimeEngine(model, req, req.threads);
    return { ...engine, dispose: () => model.dispose() };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
