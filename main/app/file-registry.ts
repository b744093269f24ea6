import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { RotorError } from '@common/errors';
import type { FileRef, SkippedFile } from '@common/ipc-contract';
import { DEFAULT_EXPAND_LIMITS, expandPaths } from '../fs/expand-paths';

/**
 * Files the user picked (dialog) or dropped, registered under opaque tokens; a folder registers the audio/video files
 * inside it. The renderer only ever holds tokens;
 * main-side consumers (queue, library) turn them back into paths with `pathOf`.
 */
export interface RegisteredFiles {
  files: FileRef[];
  /** Paths that could not be added, by name (the others are, in `files`); absent when there are none. */
  skipped?: SkippedFile[];
}

export interface FileRegistry {
  /**
   * One path that is gone or unreadable (a file moved after it was dropped) is skipped and named, the others are
   * registered; when nothing could be added, the first path's error is thrown.
   */
  register(paths: readonly string[]): Promise<RegisteredFiles>;
  pathOf(token: string): string;
}

/** What one register call may return (the IPC contract's list limit). */
export const MAX_REFS = 1000;

/**
 * A dropped folder whose walk stopped at a cap (deeper than the depth cap, too many files or entries): what was found
 * is added and the rest is named, so the user knows the queue does not hold all of it (it said nothing before).
 */
function folderCut(folder: string, added: number): { entry: SkippedFile; error: RotorError } {
  const name = path.basename(folder);
  const { maxDepth, maxFiles } = DEFAULT_EXPAND_LIMITS;
  const reason = `it goes deeper than ${maxDepth} folder levels, holds over ${Math.min(maxFiles, MAX_REFS)} recordings or too many files to look through; add its sub-folders one at a time`;
  return {
    entry: { name: `Part of ${name}`, reason },
    error: new RotorError(
      'AUDIO_UNSUPPORTED',
      added === 0
        ? `No recording was found in the part of ${name} that was looked through.`
        : `Only part of ${name} was added.`,
      { detail: folder, hint: `The folder ${reason}.` },
    ),
  };
}

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
      const skipped: { entry: SkippedFile; error: RotorError }[] = [];
      for (const p of paths) {
        if (!path.isAbsolute(p)) {
          throw new RotorError('IPC_INVALID_PAYLOAD', 'File paths must be absolute.', { detail: p });
        }
        let info;
        try {
          info = await stat(p);
        } catch (cause) {
          const gone = ['ENOENT', 'ENOTDIR'].includes((cause as NodeJS.ErrnoException).code ?? '');
          const name = path.basename(p);
          const reason = gone ? 'moved or deleted since it was chosen' : 'cannot be read';
          skipped.push({
            entry: { name, reason },
            error: new RotorError(
              gone ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
              `${name} ${gone ? 'is no longer there' : 'cannot be read'}.`,
              {
                detail: p,
                cause,
                hint: gone
                  ? 'It was moved or deleted since it was chosen; add it from where it is now.'
                  : 'Check that the drive is connected and the file can be opened.',
              },
            ),
          });
          continue;
        }
        if (info.isDirectory()) {
          // A dropped folder stands for the audio/video files inside it (the same walk as the job queue's).
          const found = await expandPaths([p], {
            ...DEFAULT_EXPAND_LIMITS,
            maxFiles: MAX_REFS - refs.length,
          });
          for (const f of found.files) refs.push(registerOne(f.path, f.sizeBytes));
          if (found.truncated) skipped.push(folderCut(p, found.files.length));
          else if (found.files.length === 0) emptyFolders.push(p);
          continue;
        }
        if (!info.isFile()) {
          const name = path.basename(p);
          skipped.push({
            entry: { name, reason: 'not a file or a folder' },
            error: new RotorError('FILE_UNREADABLE', 'Only files and folders can be added, not devices.', {
              detail: p,
            }),
          });
          continue;
        }
        refs.push(registerOne(p, info.size));
        if (refs.length > MAX_REFS) {
          throw new RotorError('IPC_INVALID_PAYLOAD', `At most ${MAX_REFS} files can be added at once.`);
        }
      }
      if (refs.length === 0 && skipped.length > 0 && emptyFolders.length === 0) throw skipped[0]!.error;
      if (refs.length === 0 && emptyFolders.length > 0) {
        throw new RotorError('AUDIO_UNSUPPORTED', 'There is no audio or video file in this folder.', {
          detail: emptyFolders[0],
          hint: 'Choose a folder with recordings (mp3, wav, m4a, ogg, opus, flac, webm, mp4, mkv, mov …).',
        });
      }
      return skipped.length > 0 ? { files: refs, skipped: skipped.map((s) => s.entry) } : { files: refs };
    },
    pathOf(token) {
      const p = byToken.get(token);
      if (p === undefined) throw new RotorError('FILE_NOT_FOUND', 'Unknown file token.', { detail: token });
      return p;
    },
  };
}
