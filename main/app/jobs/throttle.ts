/**
 * At most one call per `intervalMs`, and never losing the last value: the first call goes out at once, later ones
 * within the interval collapse into one trailing call carrying the newest value. `flush()` sends a pending value now
 * (a job's final progress must not wait); `cancel()` drops it.
 */
export interface Throttled<T> {
  (value: T): void;
  flush(): void;
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function throttle<T>(
  send: (value: T) => void,
  intervalMs: number,
  clock: Clock = realClock,
): Throttled<T> {
  let last = -Infinity;
  let pending: { value: T } | null = null;
  let timer: unknown = null;

  const fire = (): void => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    if (!pending) return;
    const { value } = pending;
    pending = null;
    last = clock.now();
    send(value);
  };

  const throttled = ((value: T) => {
    pending = { value };
    const wait = last + intervalMs - clock.now();
    if (wait <= 0) fire();
    else if (timer === null) timer = clock.setTimeout(fire, wait);
  }) as Throttled<T>;
  throttled.flush = fire;
  throttled.cancel = () => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    pending = null;
  };
  return throttled;
}
