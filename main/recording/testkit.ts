/** Test helpers for recordings: a file that fills up like a disk, and a port the test drives. */
import { open } from 'node:fs/promises';
import type { ChunkPort } from './service';
import type { OpenFile, WritableFile } from './wav-writer';

/**
 * Opens real files that behave as if the disk had `capacity` bytes: a write past it writes what fits and fails
 * with ENOSPC, as the fs layer does (no tmpfs of a chosen size can be mounted without privileges here).
 */
export function fillingDisk(capacity: { bytes: number }): OpenFile {
  return async (path) => {
    const fh = await open(path, 'wx');
    let used = 0;
    const file: WritableFile = {
      async write(buffer, offset, length, position) {
        const end = position + length;
        const grow = Math.max(0, end - used);
        if (grow > capacity.bytes) {
          const fits = Math.max(0, capacity.bytes - Math.max(0, used - position));
          const partial = Math.min(length, fits);
          // As write(2): a short write first, ENOSPC on the next call.
          if (partial > 0) {
            await fh.write(buffer, offset, partial, position);
            used = Math.max(used, position + partial);
            capacity.bytes -= partial;
            return { bytesWritten: partial };
          }
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        const r = await fh.write(buffer, offset, length, position);
        capacity.bytes -= grow;
        used = Math.max(used, end);
        return { bytesWritten: r.bytesWritten };
      },
      sync: () => fh.sync(),
      close: () => fh.close(),
    };
    return file;
  };
}

export interface TestPort extends ChunkPort {
  send(data: unknown): void;
  hangUp(): void;
  closed: boolean;
}

export function testPort(): TestPort {
  let onMessage: (data: unknown) => void = () => undefined;
  let onClose: () => void = () => undefined;
  let started = false;
  const queued: unknown[] = [];
  const port: TestPort = {
    closed: false,
    onMessage: (l) => void (onMessage = l),
    onClose: (l) => void (onClose = l),
    start() {
      started = true;
      for (const d of queued.splice(0)) onMessage(d);
    },
    close() {
      port.closed = true;
    },
    send(data) {
      if (port.closed) return;
      if (started) onMessage(data);
      else queued.push(data);
    },
    hangUp() {
      port.closed = true;
      onClose();
    },
  };
  return port;
}
