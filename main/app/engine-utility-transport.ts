import { EventEmitter } from 'node:events';
import { utilityProcess } from 'electron';
import type { EngineTransport, TransportFactory } from '../engine/host/transport';

/**
 * The engine worker as an Electron utilityProcess (a Node child managed by Electron: no window, own crash domain).
 * postMessage structured-clones, so Float32Array PCM arrives as Float32Array; its transfer list only takes
 * MessagePortMain, so buffers are copied here.
 */
export function utilityTransportFactory(modulePath: string): TransportFactory {
  return () => {
    const events = new EventEmitter();
    let exited = false;
    const child = utilityProcess.fork(modulePath, [], {
      serviceName: 'RotorScribe Engine',
      stdio: 'inherit',
    });
    child.on('message', (message: unknown) => events.emit('message', message));
    child.on('exit', (code: number) => {
      if (exited) return;
      exited = true;
      events.emit('exit', { code, signal: null });
    });
    const transport: EngineTransport = {
      get pid() {
        return child.pid;
      },
      send: (message) => child.postMessage(message),
      onMessage: (listener) => void events.on('message', listener),
      onExit(listener) {
        if (exited) queueMicrotask(() => listener({ code: null, signal: null }));
        else events.once('exit', listener);
      },
      kill: () => void child.kill(),
    };
    return transport;
  };
}
