import { RotorError, fromErrorPayload } from '@common/errors';
import type { EngineState } from '@common/ipc-contract';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff';
import {
  isWorkerMessage,
  transferablesOf,
  type EngineMethod,
  type EventOf,
  type ParamsOf,
  type ResultOf,
  type WorkerMessage,
} from './protocol';
import type { LiveFeed } from './live-feed';
import type { PauseControl } from './pause-control';
import type { EngineTransport, TransportFactory } from './transport';

export interface EngineStatus {
  state: EngineState;
  pid?: number;
  /** Restarts after crashes since the host was created. */
  restarts: number;
  message?: string;
}

export interface RequestOptions<E> {
  /** Aborting sends `cancel` for this request id and rejects with CANCELLED. */
  signal?: AbortSignal;
  onEvent?: (event: E) => void;
  /** Pause/resume for methods that support it (`job`); pausing before the request is sent holds it at its start. */
  control?: PauseControl;
  /** Live audio for a job started with `live: true`; what is pushed before the request is sent waits for it. */
  feed?: LiveFeed;
}

/** How main (and the CLI) talk to the engine, whatever process hosts it. */
export interface EngineHost {
  start(): Promise<void>;
  request<M extends EngineMethod>(
    method: M,
    params: ParamsOf<M>,
    options?: RequestOptions<EventOf<M>>,
  ): Promise<ResultOf<M>>;
  status(): EngineStatus;
  onStatus(listener: (status: EngineStatus) => void): () => void;
  /** Stops the worker for good; pending requests reject with CANCELLED. */
  stop(): Promise<void>;
}

export interface EngineHostOptions {
  createTransport: TransportFactory;
  backoff?: BackoffOptions;
  /** Consecutive crashes tolerated before giving up (state 'failed'). */
  maxRestarts?: number;
  /** A worker that stayed up this long resets the consecutive-crash count. */
  stableAfterMs?: number;
  /** A worker that has not said 'ready' by then is killed and counted as a crash. */
  readyTimeoutMs?: number;
}

interface Pending {
  id: number;
  method: string;
  params: unknown;
  onEvent: ((event: unknown) => void) | undefined;
  resolve: (value: unknown) => void;
  reject: (error: RotorError) => void;
  cleanup: () => void;
  sent: boolean;
  control: PauseControl | undefined;
  feed: LiveFeed | undefined;
}

export function createEngineHost(options: EngineHostOptions): EngineHost {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const maxRestarts = options.maxRestarts ?? 8;
  const stableAfterMs = options.stableAfterMs ?? 30_000;
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;

  let status: EngineStatus = { state: 'stopped', restarts: 0 };
  const listeners = new Set<(s: EngineStatus) => void>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let transport: EngineTransport | undefined;
  let readyAt = 0;
  let consecutiveCrashes = 0;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  let readyTimer: ReturnType<typeof setTimeout> | undefined;
  let stopping = false;
  let readyWaiters: { resolve: () => void; reject: (e: RotorError) => void }[] = [];

  function setStatus(next: EngineStatus): void {
    status = next;
    for (const l of listeners) l(status);
  }

  function settleReadyWaiters(error?: RotorError): void {
    const waiters = readyWaiters;
    readyWaiters = [];
    for (const w of waiters) {
      if (error) w.reject(error);
      else w.resolve();
    }
  }

  function sendPending(p: Pending): void {
    if (!transport || status.state !== 'ready') return;
    p.sent = true;
    const t = transport;
    try {
      t.send({ type: 'request', id: p.id, method: p.method, params: p.params }, transferablesOf(p.params));
    } catch {
      // The channel closed under us; the exit handler settles this request as crashed.
      return;
    }
    p.control?.attach((type) => {
      if (transport !== t) return;
      try {
        t.send({ type, id: p.id });
      } catch {
        // worker gone: the request fails as crashed anyway
      }
    });
    p.feed?.attach((message) => {
      if (transport !== t) return;
      try {
        if (message.type === 'audio')
          t.send({ type: 'audio', id: p.id, pcm: message.pcm }, [message.pcm.buffer as ArrayBuffer]);
        else t.send({ type: 'audioEnd', id: p.id });
      } catch {
        // worker gone: the request fails as crashed and the feed closes with it
      }
    });
  }

  function spawn(): void {
    const t = options.createTransport();
    transport = t;
    setStatus({ state: status.restarts > 0 ? 'restarting' : 'starting', restarts: status.restarts });
    readyTimer = setTimeout(() => {
      if (transport === t && status.state !== 'ready') t.kill();
    }, readyTimeoutMs);
    t.onMessage((raw) => {
      if (transport !== t) return;
      if (isWorkerMessage(raw)) onWorkerMessage(raw);
    });
    t.onExit((exit) => {
      if (transport === t) onWorkerExit(exit);
    });
  }

  function onWorkerMessage(msg: WorkerMessage): void {
    if (msg.type === 'ready') {
      clearTimeout(readyTimer);
      readyAt = Date.now();
      setStatus({ state: 'ready', pid: msg.pid, restarts: status.restarts });
      settleReadyWaiters();
      for (const p of pending.values()) if (!p.sent) sendPending(p);
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return; // settled already (cancelled), late answer
    if (msg.type === 'event') {
      p.onEvent?.(msg.event);
    } else if (msg.type === 'result') {
      pending.delete(p.id);
      p.cleanup();
      p.resolve(msg.value);
    } else {
      pending.delete(p.id);
      p.cleanup();
      p.reject(fromErrorPayload(msg.error));
    }
  }

  function onWorkerExit(exit: { code: number | null; signal: string | null }): void {
    clearTimeout(readyTimer);
    transport = undefined;
    if (stopping) return;
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    // In-flight requests die with the worker; requests not yet sent wait for the next one.
    for (const p of [...pending.values()]) {
      if (!p.sent) continue;
      pending.delete(p.id);
      p.cleanup();
      p.reject(
        new RotorError('ENGINE_CRASHED', undefined, {
          detail: `engine worker ended (${how}) during ${p.method}`,
          hint: 'The engine restarts by itself; try again.',
        }),
      );
    }
    const upFor = readyAt ? Date.now() - readyAt : 0;
    readyAt = 0;
    consecutiveCrashes = upFor >= stableAfterMs ? 1 : consecutiveCrashes + 1;
    if (consecutiveCrashes > maxRestarts) {
      const error = new RotorError('ENGINE_CRASHED', 'The transcription engine keeps stopping.', {
        detail: `gave up after ${maxRestarts} restarts (last: ${how})`,
        hint: 'Restart RotorScribe; if it happens again, report it with the log.',
      });
      setStatus({ state: 'failed', restarts: status.restarts, message: error.detail ?? error.message });
      for (const p of pending.values()) {
        p.cleanup();
        p.reject(error);
      }
      pending.clear();
      settleReadyWaiters(error);
      return;
    }
    const delay = backoffDelay(consecutiveCrashes, backoff);
    setStatus({
      state: 'restarting',
      restarts: status.restarts + 1,
      message: `engine worker ended (${how})`,
    });
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (!stopping) spawn();
    }, delay);
  }

  function ensureRunning(): void {
    if (stopping) return;
    if (!transport && !restartTimer && status.state !== 'failed') spawn();
  }

  return {
    start() {
      stopping = false;
      if (status.state === 'ready') return Promise.resolve();
      if (status.state === 'failed') return Promise.reject(new RotorError('ENGINE_CRASHED', status.message));
      const ready = new Promise<void>((resolve, reject) => readyWaiters.push({ resolve, reject }));
      ensureRunning();
      return ready;
    },

    request(method, params, requestOptions = {}) {
      const { signal, onEvent, control, feed } = requestOptions;
      if (status.state === 'failed') {
        return Promise.reject(new RotorError('ENGINE_CRASHED', status.message));
      }
      if (signal?.aborted) return Promise.reject(new RotorError('CANCELLED'));
      stopping = false;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const onAbort = (): void => {
          const p = pending.get(id);
          if (!p) return;
          pending.delete(id);
          p.cleanup();
          if (p.sent && transport) {
            try {
              transport.send({ type: 'cancel', id });
            } catch {
              // worker already gone; nothing to cancel
            }
          }
          reject(new RotorError('CANCELLED'));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        const p: Pending = {
          id,
          method,
          params,
          onEvent: onEvent as ((event: unknown) => void) | undefined,
          resolve: resolve as (value: unknown) => void,
          reject,
          cleanup: () => {
            signal?.removeEventListener('abort', onAbort);
            control?.detach();
            feed?.close();
          },
          sent: false,
          control,
          feed,
        };
        pending.set(id, p);
        ensureRunning();
        sendPending(p);
      });
    },

    status: () => status,

    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      restartTimer = undefined;
      clearTimeout(readyTimer);
      const t = transport;
      transport = undefined;
      const error = new RotorError('CANCELLED', 'The engine was stopped.');
      for (const p of pending.values()) {
        p.cleanup();
        p.reject(error);
      }
      pending.clear();
      settleReadyWaiters(error);
      if (t) {
        const gone = new Promise<void>((resolve) => t.onExit(() => resolve()));
        t.kill();
        await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
      }
      setStatus({ state: 'stopped', restarts: status.restarts });
    },
  };
}
