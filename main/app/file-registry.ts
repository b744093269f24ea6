import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { RotorError } from '@common/errors';
import type { FileRef } from '@common/ipc-contract';
import { DEFAULT_EXPAND_LIMITS, expandPaths } from './jobs/expand-paths';

/**
 * Files the user picked (dialog) or dropped, registered under opaque tokens; a folder registers the audio/video files
 * inside it. The renderer only ever holds tokens;
 * main-side consumers (queue, library) turn them back into paths with `pathOf`.
 */
export interface FileRegistry {
  register(paths: readonly string[]): Promise<FileRef[]>;
  pathOf(token: string): string;
}

/** What one register call may return (the IPC contract's list limit). */
export const MAX_REFS = 1000;

export function createFileRegistry(): FileRegistry {
  const byToken = new Map<string, string>();
  const registerOne = (p: string, sizeBytes: number): FileRef => {
    const token = randomUUID();
    byToken.set(token, p);
    return { token, name: path.basename(p), sizeBytes };
  };
  return {
    async register(paths) {
      const refs: FileRef[] = [];
      const emptyFolders: string[] = [];
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
        if (info.isDirectory()) {
          // A dropped folder stands for the audio/video files inside it (the same walk as the job queue's).
          const found = await expandPaths([p], {
            ...DEFAULT_EXPAND_LIMITS,
            maxFiles: MAX_REFS - refs.length,
          });
          for (const f of found.files) refs.push(registerOne(f.path, f.sizeBytes));
          if (found.files.length === 0) emptyFolders.push(p);
          continue;
        }
        if (!info.isFile()) {
          throw new RotorError('FILE_UNREADABLE', 'Only files and folders can be added, not devices.', {
            detail: p,
          });
        }
        refs.push(registerOne(p, info.size));
        if (refs.length > MAX_REFS) {
          throw new RotorError('IPC_INVALID_PAYLOAD', `At most ${MAX_REFS} files can be added at once.`);
        }
      }
      if (refs.length === 0 && emptyFolders.length > 0) {
        throw new RotorError('AUDIO_UNSUPPORTED', 'There is no audio or video file in this folder.', {
          detail: emptyFolders[0],
          hint: 'Choose a folder with recordings (mp3, wav, m4a, ogg, opus, flac, webm, mp4, mkv, mov …).',
        });
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
