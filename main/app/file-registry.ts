import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { RotorError } from '../../common/errors';
import type { FileRef } from '../../common/ipc-contract';

/**
 * Files the user picked (dialog) or dropped, registered under opaque tokens. The renderer only ever holds tokens;
 * main-side consumers (queue, library) turn them back into paths with `pathOf`.
 */
export interface FileRegistry {
  register(paths: readonly string[]): Promise<FileRef[]>;
  pathOf(token: string): string;
}

export function createFileRegistry(): FileRegistry {
  const byToken = new Map<string, string>();
  return {
    async register(paths) {
      const refs: FileRef[] = [];
      for (const p of paths) {
        if (!path.isAbsolute(p)) {
          throw new RotorError('IPC_INVALID_PAYLOAD', 'File paths must be absolute.', { detail: p });
        }
        let info;
        try {
          info = await stat(p);
        } catch (cause) {
          const code = (cause as NodeJS.ErrnoException).code;
          throw new RotorError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', undefined, {
            detail: p,
            cause,
          });
        }
        if (!info.isFile()) {
          throw new RotorError('FILE_UNREADABLE', 'Only files can be added, not folders or devices.', {
            detail: p,
          });
        }
        const token = randomUUID();
        byToken.set(token, p);
        refs.push({ token, name: path.basename(p), sizeBytes: info.size });
      }
      return refs;
    },
    pathOf(token) {
      const p = byToken.get(token);
      if (p === undefined) throw new RotorError('FILE_NOT_FOUND', 'Unknown file token.', { detail: token });
      return p;
    },
  };
}
