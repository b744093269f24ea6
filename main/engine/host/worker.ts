/**
 * Engine worker entry. Runs as an Electron utilityProcess in the app (built to out/main/engine-worker.js) and as a
 * Node child process (child_process.fork) in the CLI and tests — from the same built file or from this source via
 * tsx. The native runtime's methods (devices, KV cache types) sit next to the built-in ones.
 */
import type { WorkerMessage } from './protocol';
import { builtinMethods } from './builtin-methods';
import { defaultFrontEnd, jobMethods } from './job-method';
import { ModelCache } from './model-cache';
import { probeMethods } from './probe-method';
import { runtimeMethods } from './runtime-methods';
import { startWorkerRuntime, type WorkerChannel } from './worker-runtime';

interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

function pickChannel(): WorkerChannel {
  // Electron's utilityProcess gives the child `process.parentPort`; a Node fork gives `process.send`.
  const parentPort = (process as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    return {
      send: (message: WorkerMessage) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
    };
  }
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write('engine worker: no parent channel (start it through the engine host)\n');
    process.exit(2);
  }
  // The host is gone: nothing can read our answers any more.
  process.on('disconnect', () => void models.release().finally(() => process.exit(0)));
  return {
    send: (message: WorkerMessage) => {
      if (process.connected) send(message);
    },
    onMessage: (listener) => process.on('message', listener),
  };
}

// Ctrl-C in a terminal reaches the whole process group: the client decides what an interrupt means (cancel the job
// and save its windows), so the worker must not die of it first.
process.on('SIGINT', () => undefined);

// The model stays loaded between jobs that ask for the same files; the context is per job, sized from its plan.
const models = new ModelCache(async (files, onProgress) =>
  (await import('../job/runtime-transcriber')).loadRuntimeModel(files, undefined, onProgress),
);

const runtime = startWorkerRuntime(
  pickChannel(),
  {
    ...builtinMethods(() => runtime.active()),
    ...probeMethods(),
    ...runtimeMethods(undefined, () => models.resident()?.heldBytes ?? 0),
    ...jobMethods({
      frontEnd: defaultFrontEnd,
      models,
      createEngine: async (model, plan, threads) =>
        (await import('../job/runtime-transcriber')).createRuntimeEngine(model, plan, threads),
      runJob: async (opts, deps) => (await import('../job/runner')).runJob(opts, deps),
    }),
  },
  process.pid,
);
