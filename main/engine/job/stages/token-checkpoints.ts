/**
 * Checkpoints inside a window: the tokens of each window's first attempt are appended to the job log as they are
 * decoded (every `everyTokens` tokens or `everyMs`, whichever comes first; each record durable before the next is
 * written), so that a crash in the middle of a long window loses seconds, not the window. On resume a window's saved
 * tokens go back to the transcriber as its prefix (forced, then decoding continues). The window record, written when
 * the window is finished, stays the authority.
 *
 * Retries: the loop guard judges an attempt only once it is finished, and every retry starts fresh. When a retry
 * starts, a record with its attempt number voids the window's saved tokens (checkpoints/partial-tokens.ts), and
 * retries are not checkpointed: a crash during a retry redoes the window from its first attempt.
 */
import type { TokensRecord } from '../../checkpoints/store';
import type {
  TranscribeOptions,
  Transcriber,
  WindowRequest,
  WindowResult,
} from '../../scheduler/transcriber';

export interface TokenLog {
  append(record: TokensRecord): Promise<void>;
}

export interface TokenCheckpointOptions {
  /** Tokens per record at most (small writes). */
  everyTokens: number;
  /** A record at least this often while tokens come. */
  everyMs: number;
  now: () => number;
}

const DEFAULTS: TokenCheckpointOptions = { everyTokens: 32, everyMs: 2000, now: () => Date.now() };

interface Live {
  from: number;
  buffer: number[];
  lastFlush: number;
}

export class TokenCheckpointer {
  private readonly opts: TokenCheckpointOptions;
  private readonly live = new Map<string, Live>();
  private readonly voided = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private records = 0;

  constructor(
    private readonly log: TokenLog,
    /** Saved prefixes of unfinished windows (consumed as the windows are started again). */
    private readonly saved: Map<string, number[]>,
    opts: Partial<TokenCheckpointOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Token records appended so far by this run. */
  get written(): number {
    return this.records;
  }

  /** The transcriber for one batch of windows (`windowIds`: the batch's own windows, not split halves). */
  wrap(inner: Transcriber, windowIds: ReadonlySet<string>): Transcriber {
    return {
      maxParallel: inner.maxParallel,
      transcribe: async (windows: WindowRequest[], opts: TranscribeOptions = {}): Promise<WindowResult[]> => {
        const requests = windows.map((w) => this.start(w, windowIds));
        try {
          return await inner.transcribe(requests, {
            ...opts,
            onTokens: (id, tokens) => {
              this.take(id, tokens);
              opts.onTokens?.(id, tokens);
            },
          });
        } finally {
          for (const w of windows) {
            const live = this.live.get(w.windowId);
            if (!live) continue;
            // Stopped by a cancel: what was decoded is worth keeping. Finished: the window record follows.
            if (opts.signal?.aborted) this.flush(w.windowId, live);
            this.live.delete(w.windowId);
          }
        }
      },
    };
  }

  /** Waits for every record written so far to be durable; a failed write fails here (e.g. DISK_FULL). */
  async settle(): Promise<void> {
    await this.chain;
    if (this.failure !== null) {
      const error = this.failure;
      this.failure = null;
      throw error;
    }
  }

  private start(w: WindowRequest, windowIds: ReadonlySet<string>): WindowRequest {
    const parent = windowIds.has(w.windowId) ? w.windowId : parentOf(w.windowId, windowIds);
    if (parent === null) return w;
    if (w.attempt > 1 || parent !== w.windowId) {
      if (!this.voided.has(parent)) {
        this.voided.add(parent);
        this.saved.delete(parent);
        this.write({ type: 'tokens', windowId: parent, attempt: w.attempt, from: 0, tokens: [] });
      }
      return w;
    }
    const prefix = this.saved.get(w.windowId);
    this.saved.delete(w.windowId);
    // A prefix as long as the cap was a finished attempt whose record never came: decode it again from the start.
    const usable = prefix && prefix.length > 0 && prefix.length < w.maxTokens ? prefix : undefined;
    this.live.set(w.windowId, { from: usable?.length ?? 0, buffer: [], lastFlush: this.opts.now() });
    return usable ? { ...w, prefixTokens: usable } : w;
  }

  private take(windowId: string, tokens: readonly number[]): void {
    const live = this.live.get(windowId);
    if (!live) return;
    live.buffer.push(...tokens);
    if (
      live.buffer.length >= this.opts.everyTokens ||
      this.opts.now() - live.lastFlush >= this.opts.everyMs
    ) {
      this.flush(windowId, live);
    }
  }

  private flush(windowId: string, live: Live): void {
    live.lastFlush = this.opts.now();
    if (live.buffer.length === 0) return;
    const tokens = live.buffer;
    live.buffer = [];
    this.write({ type: 'tokens', windowId, attempt: 1, from: live.from, tokens });
    live.from += tokens.length;
  }

  /** Records go out one at a time, in order (the log appends at its end; two writes at once would collide). */
  private write(record: TokensRecord): void {
    this.chain = this.chain.then(async () => {
      if (this.failure !== null) return;
      try {
        await this.log.append(record);
        this.records++;
      } catch (error) {
        this.failure = error;
      }
    });
  }
}

function parentOf(id: string, windowIds: ReadonlySet<string>): string | null {
  for (let cut = id.lastIndexOf('.'); cut > 0; cut = id.lastIndexOf('.', cut - 1)) {
    const head = id.slice(0, cut);
    if (windowIds.has(head)) return head;
  }
  return null;
}
