/**
 * The job's one cleanup path: every resource is registered the moment it is acquired and released in reverse order
 * when the job ends, whatever the ending (success, a VAD that fails to load, a decode error, cancellation). A release
 * that fails does not stop the others; the job's own error wins over a release error.
 */
export class CleanupStack {
  private readonly steps: { what: string; release: () => unknown }[] = [];
  private closed = false;

  /** Registers `release` and returns `value`, so acquisition and registration are one expression. */
  own<T>(value: T, what: string, release: (value: T) => unknown): T {
    this.defer(what, () => release(value));
    return value;
  }

  defer(what: string, release: () => unknown): void {
    if (this.closed) throw new Error(`cleanup already ran; cannot register ${what}`);
    this.steps.push({ what, release });
  }

  /** Releases everything (last acquired first). Returns the failures, for the caller to report or rethrow. */
  async close(): Promise<{ what: string; error: unknown }[]> {
    if (this.closed) return [];
    this.closed = true;
    const failures: { what: string; error: unknown }[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.release();
      } catch (error) {
        failures.push({ what: step.what, error });
      }
    }
    return failures;
  }
}
