/**
 * Adapter from the native runtime (main/engine/runtime: Voxtral on llama.cpp + mtmd) to the scheduler's Transcriber
 * seam. One context holds `parallel` sequences; each sequence needs room for the prompt, one window's audio tokens
 * (a window is < 30 s = one mtmd chunk) and the window's output cap.
 */
import { RotorError } from '../../../common/errors';
import { isKvCacheType, type KvCacheType } from '../../../common/kv-cache-types';
import type { EngineIdentity } from '../checkpoints/store';
import { maxTokensFor } from '../scheduler/quality';
import { DEFAULT_RETRY_CONFIG } from '../scheduler/retry';
import type { TranscribeOptions, Transcriber, WindowRequest, WindowResult } from '../scheduler/transcriber';

/** The part of VoxtralContext the adapter uses (structural, so tests can pass a fake). */
export interface RuntimeContextLike {
  transcribe(
    windows: { pcm: Float32Array; language?: string; maxTokens?: number; repetitionPenalty?: number }[],
    opts: { signal?: AbortSignal; onPiece?: (windowIndex: number, text: string, token: number) => void },
  ): Promise<{
    windows: { text: string; tokens: ArrayLike<number>; stopReason: 'eos' | 'max_tokens' | 'context_full' }[];
  }>;
}

export class RuntimeTranscriber implements Transcriber {
  constructor(
    private readonly ctx: RuntimeContextLike,
    readonly maxParallel: number,
  ) {}

  /**
   * The native context may still be releasing the previous decode when its result arrives (ENGINE_BUSY on an
   * immediate next call); wait briefly instead of failing the job.
   */
  private async whenFree<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof RotorError && error.code === 'ENGINE_BUSY') || attempt >= 100) throw error;
        await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt * 2)));
      }
    }
  }

  async transcribe(windows: WindowRequest[], opts: TranscribeOptions = {}): Promise<WindowResult[]> {
    if (windows.length > this.maxParallel) {
      throw new RotorError(
        'INTERNAL',
        `${windows.length} windows for a context of ${this.maxParallel} sequences`,
      );
    }
    try {
      const res = await this.whenFree(() =>
        this.ctx.transcribe(
          windows.map((w) => ({
            pcm: w.pcm,
            maxTokens: w.maxTokens,
            ...(w.language ? { language: w.language } : {}),
            ...(w.repetitionPenalty !== undefined ? { repetitionPenalty: w.repetitionPenalty } : {}),
          })),
          {
            ...(opts.signal ? { signal: opts.signal } : {}),
            ...(opts.onPiece
              ? { onPiece: (i: number, text: string) => opts.onPiece!(windows[i]!.windowId, text) }
              : {}),
          },
        ),
      );
      return res.windows.map((r) => ({
        text: r.text,
        tokenCount: r.tokens.length,
        // A full context is a runaway as far as the scheduler is concerned.
        stopReason: r.stopReason === 'eos' ? 'eos' : 'max_tokens',
      }));
    } catch (error) {
      if (opts.signal?.aborted || (error instanceof RotorError && error.code === 'CANCELLED')) {
        return windows.map(() => ({ text: '', tokenCount: 0, stopReason: 'cancelled' }));
      }
      throw error;
    }
  }
}

/** Context cells one sequence needs for a window of `maxWindowSec`. */
export function cellsPerSequence(audioTokensPer30s: number, maxWindowSec: number): number {
  const prompt = 32;
  const output = maxTokensFor(
    maxWindowSec,
    DEFAULT_RETRY_CONFIG.tokensPerSec,
    DEFAULT_RETRY_CONFIG.tokenBase,
    DEFAULT_RETRY_CONFIG.tokenCeiling,
  );
  return prompt + audioTokensPer30s + output + 16;
}

export interface OpenRuntimeRequest {
  modelPath?: string;
  mmprojPath?: string;
  kvK: string;
  kvV: string;
  maxWindowSec: number;
  parallel: number;
  threads?: number;
}

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
  if (!isKvCacheType(req.kvK) || !isKvCacheType(req.kvV))
    throw new RotorError('KV_TYPE_UNSUPPORTED', `unknown KV cache type`);
  const runtime = await import('../runtime/index');
  const threads = req.threads ?? undefined;
  const model = await runtime.loadVoxtral({
    modelPath: req.modelPath,
    mmprojPath: req.mmprojPath,
    ...(threads ? { threads } : {}),
  });
  try {
    const perSeq = cellsPerSequence(model.info.audioTokensPer30s, req.maxWindowSec);
    const ctx = await model.createContext({
      contextSize: Math.max(256, perSeq * req.parallel),
      parallel: req.parallel,
      typeK: req.kvK as KvCacheType,
      typeV: req.kvV as KvCacheType,
      ...(threads ? { threads } : {}),
    });
    const name = req.modelPath.split(/[\\/]/u).pop() ?? req.modelPath;
    const mmproj = req.mmprojPath.split(/[\\/]/u).pop() ?? req.mmprojPath;
    return {
      transcriber: new RuntimeTranscriber(ctx, req.parallel),
      identity: {
        id: `voxtral-llama.cpp/${model.audioTokenRate}`,
        model: name,
        mmproj,
        kvK: req.kvK,
        kvV: req.kvV,
      },
      dispose: () => model.dispose(),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
