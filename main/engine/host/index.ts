/**
 * The engine host seam. Main (main/app) backs it with Electron's utilityProcess; the CLI and tests back it with a
 * Node child process running either the TypeScript worker through tsx (`workerFromSource`) or the electron-vite
 * build (`workerFromBuild('out/main')`).
 */
export { createEngineHost, type EngineHost, type EngineHostOptions, type EngineStatus } from './engine-host';
export { forkTransportFactory, workerFromBuild, workerFromSource, type WorkerEntry } from './fork-transport';
export type { EngineTransport, TransportFactory } from './transport';
export type { EngineMethod, EngineMethods, EventOf, MethodSpec, ParamsOf, ResultOf } from './protocol';
export type { MethodContext, MethodHandler, MethodTable } from './worker-runtime';

import { createEngineHost, type EngineHost } from './engine-host';
import { forkTransportFactory, workerFromSource } from './fork-transport';

/** An engine host for plain Node (CLI): the worker runs from source in a child process. */
export function createNodeEngineHost(): EngineHost {
  return createEngineHost({ createTransport: forkTransportFactory(workerFromSource()) });
}
