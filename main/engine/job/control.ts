/** Pause / resume / cancel handle for a running job. Pause takes effect between batches (a batch is never torn). */
export class JobControl {
  private readonly ac = new AbortController();
  private paused: { promise: Promise<void>; release: () => void } | null = null;
  private listeners = new Set<(state: 'paused' | 'resumed') => void>();

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  get isPaused(): boolean {
    return this.paused !== null;
  }

  pause(): void {
    if (this.paused || this.ac.signal.aborted) return;
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    this.paused = { promise, release };
    for (const l of this.listeners) l('paused');
  }

  resume(): void {
    const p = this.paused;
    if (!p) return;
    this.paused = null;
    p.release();
    for (const l of this.listeners) l('resumed');
  }

  cancel(reason?: unknown): void {
    this.ac.abort(reason);
    this.resume();
  }

  onStateChange(listener: (state: 'paused' | 'resumed') => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves immediately unless paused; then when resumed or cancelled. */
  async waitIfPaused(): Promise<void> {
    while (this.paused && !this.ac.signal.aborted) await this.paused.promise;
  }
}
