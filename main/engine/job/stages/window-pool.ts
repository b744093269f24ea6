/**
 * The transcriber stage's feeder: each window goes to the transcriber on its own as soon as fewer than `limit` are in
 * flight (the runtime's sequence slots), instead of waiting for a batch to fill and for that batch's longest window
 * to end. Results are committed strictly in the order the windows were added, whatever order they finish in, so the
 * checkpoint log and the window events read as before. The first failure stops the pool: `onFailure` runs at once
 * (to cancel the windows still decoding), the windows before the failed one are still committed, none after it, and
 * `add`/`drain` throw it.
 */
export class WindowPool<W, R> {
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];
  private commits: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;
  private broken = false;

  constructor(
    readonly limit: number,
    private readonly run: (window: W) => Promise<R>,
    private readonly commit: (result: R) => Promise<void>,
    private readonly onFailure: (error: unknown) => void = () => undefined,
  ) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`pool size must be ≥ 1: ${limit}`);
  }

  /** Starts `window` once a slot is free (resolves then, not when it is done); throws an earlier failure. */
  async add(window: W): Promise<void> {
    while (this.inFlight >= this.limit && !this.failure) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure.error;
    this.inFlight++;
    const result = this.run(window).finally(() => {
      this.inFlight--;
      this.waiters.shift()?.();
    });
    // a failure stops the others at once, not when the windows before it are committed
    result.catch((error: unknown) => this.fail(error));
    this.link(async () => this.commit(await result));
  }

  /** A result that needs no slot (a window restored from the log): committed in its place in the order. */
  addDone(result: R): void {
    this.link(() => this.commit(result));
  }

  /** Waits for every window added to be done and committed; throws the first failure. */
  async drain(): Promise<void> {
    await this.commits;
    if (this.failure) throw this.failure.error;
  }

  /** Waits for every window added to be done (committed or not), whatever happened. */
  async settled(): Promise<void> {
    await this.commits;
  }

  // The next commit in order; after a failed one (its window or its write), none.
  private link(step: () => Promise<void>): void {
    this.commits = this.commits.then(async () => {
      if (this.broken) return;
      try {
        await step();
      } catch (error) {
        this.broken = true;
        this.fail(error);
      }
    });
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    for (const wake of this.waiters.splice(0)) wake();
    this.onFailure(error);
  }
}
