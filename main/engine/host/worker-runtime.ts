import { RotorError, toErrorPayload } from '@common/errors';
import {
  PROTOCOL_VERSION,
  isHostMessage,
  type EngineMethod,
  type EventOf,
  type ParamsOf,
  type ResultOf,
  type WorkerMessage,
} from './protocol';

/** The worker's side of the pipe: Electron's parentPort or Node's IPC channel. */
export interface WorkerChannel {
  send(message: WorkerMessage): void;
  onMessage(listener: (message: unknown) => void): void;
}

export type ControlMessage = 'pause' | 'resume';

/** Live audio for a request that reads a stream (a recording's job): PCM chunks in order, then the end. */
export type AudioMessage = { type: 'audio'; pcm: Float32Array } | { type: 'audioEnd' };

export interface MethodContext<E> {
  id: number;
  signal: AbortSignal;
  emit: (event: E) => void;
  /** Pause/resume sent by the host for this request; a handler that cannot pause simply never listens. */
  onControl: (listener: (message: ControlMessage) => void) => void;
  /** Live audio sent by the host for this request; handlers that do not stream ignore it. */
  onAudio?: (listener: (message: AudioMessage) => void) => void;
}

export interface MethodHandler<M extends EngineMethod> {
  /** Turns untrusted params into typed ones or throws RotorError('IPC_INVALID_PAYLOAD'). */
  parse(params: unknown): ParamsOf<M>;
  run(params: ParamsOf<M>, context: MethodContext<EventOf<M>>): Promise<ResultOf<M>> | ResultOf<M>;
}

export type MethodTable = { [M in EngineMethod]?: MethodHandler<M> };

/**
 * Dispatches host requests to method handlers, one AbortController per request id, and reports exactly one
 * result or error per request. Knows nothing about processes, so it is tested in-process.
 */
export function startWorkerRuntime(
  channel: WorkerChannel,
  methods: MethodTable,
  pid: number,
): { active(): number } {
  const running = new Map<number, AbortController>();
  const controls = new Map<number, (message: ControlMessage) => void>();
  const audio = new Map<number, (message: AudioMessage) => void>();

  channel.onMessage((raw) => {
    if (!isHostMessage(raw)) return;
    if (raw.type === 'cancel') {
      running.get(raw.id)?.abort();
      return;
    }
    if (raw.type === 'pause' || raw.type === 'resume') {
      controls.get(raw.id)?.(raw.type);
      return;
    }
    if (raw.type === 'audio') {
      audio.get(raw.id)?.({ type: 'audio', pcm: raw.pcm });
      return;
    }
    if (raw.type === 'audioEnd') {
      audio.get(raw.id)?.({ type: 'audioEnd' });
      return;
    }
    const { id, method } = raw;
    if (running.has(id)) return;
    const controller = new AbortController();
    running.set(id, controller);
    void (async () => {
      try {
        const handler = Object.hasOwn(methods, method)
          ? (methods[method as EngineMethod] as MethodHandler<EngineMethod> | undefined)
          : undefined;
        if (!handler) throw new RotorError('IPC_UNKNOWN_CHANNEL', `Unknown engine method "${method}".`);
        const params = handler.parse(raw.params);
        const value = await handler.run(params, {
          id,
          signal: controller.signal,
          emit: (event) => {
            if (!controller.signal.aborted) channel.send({ type: 'event', id, event });
          },
          onControl: (listener) => void controls.set(id, listener),
          onAudio: (listener) => void audio.set(id, listener),
        });
        if (controller.signal.aborted) throw new RotorError('CANCELLED');
        channel.send({ type: 'result', id, value });
      } catch (error) {
        channel.send({ type: 'error', id, error: toErrorPayload(error) });
      } finally {
        running.delete(id);
        controls.delete(id);
        audio.delete(id);
      }
    })();
  });

  channel.send({ type: 'ready', pid, protocol: PROTOCOL_VERSION });
  // A cancelled request may still be unwinding for a tick; it no longer counts as work.
  return { active: () => [...running.values()].filter((c) => !c.signal.aborted).length };
}
