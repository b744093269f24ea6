import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineTransport, TransportFactory } from './transport';

export interface WorkerEntry {
  /** Absolute path of the worker module. */
  modulePath: string;
  /** Node flags for the child, e.g. the tsx loader when running the TypeScript source. */
  execArgv: string[];
}

/** The TypeScript source, run through tsx: what the CLI and the unit tests use (no build needed). */
export function workerFromSource(): WorkerEntry {
  return {
    modulePath: fileURLToPath(new URL('./worker.ts', import.meta.url)),
    execArgv: ['--import', import.meta.resolve('tsx')],
  };
}

/** The electron-vite build output (out/main/engine-worker.js): plain ESM that Node 24 and Electron both run. */
export function workerFromBuild(outMainDir: string): WorkerEntry {
  return { modulePath: path.join(outMainDir, 'engine-worker.js'), execArgv: [] };
}

/** child_process.fork with structured-clone ('advanced') serialization so Float32Array PCM survives the trip. */
export function forkTransportFactory(
  entry: WorkerEntry,
  env: NodeJS.ProcessEnv = process.env,
): TransportFactory {
  return () => {
    const events = new EventEmitter();
    let exited = false;
    const child = fork(entry.modulePath, [], {
      execArgv: entry.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env,
    });
    const onGone = (code: number | null, signal: string | null): void => {
      if (exited) return;
      exited = true;
      events.emit('exit', { code, signal });
    };
    child.on('message', (message) => events.emit('message', message));
    child.on('exit', (code, signal) => onGone(code, signal));
    child.on('error', () => {
      // spawn failure or a failed send: make sure the host sees the worker as gone
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (child.pid === undefined) onGone(null, null);
    });
    const transport: EngineTransport = {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (!child.connected) throw new Error('engine worker channel closed');
        child.send(message);
      },
      onMessage: (listener) => void events.on('message', listener),
      onExit(listener) {
        if (exited) queueMicrotask(() => listener({ code: child.exitCode, signal: child.signalCode }));
        else events.once('exit', listener);
      },
      kill: () => void child.kill('SIGKILL'),
    };
    return transport;
  };
}
