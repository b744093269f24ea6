import type { HostMessage } from './protocol';

/**
 * One live worker process as seen from the host. Implementations: child_process.fork (fork-transport.ts, Node/CLI/
 * tests) and Electron utilityProcess (main/app/engine-utility-transport.ts). A transport is single-use: after exit
 * the host asks the factory for a new one.
 */
export interface EngineTransport {
  readonly pid: number | undefined;
  /** `transfer`: buffers the transport may move rather than copy, where it can. */
  send(message: HostMessage, transfer?: ArrayBuffer[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once, when the process is gone (crash, kill or failure to start). */
  onExit(listener: (exit: { code: number | null; signal: string | null }) => void): void;
  kill(): void;
}

export type TransportFactory = () => EngineTransport;
