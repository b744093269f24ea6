/**
 * Files the operating system asks us to open (the installers' file associations): on Windows and Linux as command
 * line arguments of the first or a second instance, on macOS as 'open-file' events that may come before the app is
 * ready. They are collected here and handed to the queue once it runs.
 */
import path from 'node:path';
import { isAudioName } from '../fs/expand-paths';

/** Audio/video paths among a process's arguments (flags and Electron's own arguments are not files). */
export function mediaPathsFromArgv(argv: readonly string[], cwd: string): string[] {
  return argv.filter((a) => a && !a.startsWith('-') && isAudioName(a)).map((a) => path.resolve(cwd, a));
}

/** Holds paths until `ready` gets the queue's add function, then passes each batch straight on. */
export function createOpenFiles(): {
  open(paths: readonly string[]): void;
  ready(add: (paths: string[]) => void): void;
} {
  let pending: string[] = [];
  let sink: ((paths: string[]) => void) | undefined;
  return {
    open(paths) {
      if (paths.length === 0) return;
      if (sink) sink([...paths]);
      else pending.push(...paths);
    },
    ready(add) {
      sink = add;
      if (pending.length) add(pending);
      pending = [];
    },
  };
}
