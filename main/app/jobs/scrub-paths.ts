/**
 * Errors from the engine name files by their full path (the CLI prints them for the person who typed them); the
 * window is shown names only, so a queue entry never carries where a file lives. Pure.
 */

/** The last part of a path, for either separator. */
function baseName(p: string): string {
  return p.split(/[\\/]/u).filter(Boolean).pop() ?? p;
}

// Absolute paths without spaces (POSIX, Windows drive, UNC): what remains after the known ones are replaced.
const POSIX = /(?<![\w:./])\/(?:[^\s/'"“”‘’()<>]+\/)+[^\s/'"“”‘’()<>,;]*[^\s/'"“”‘’()<>,;.:]/gu;
const WINDOWS = /\b[A-Za-z]:\\(?:[^\s\\'"“”()<>]+\\)*[^\s\\'"“”()<>,;]*[^\s\\'"“”()<>,;.:]/gu;
const UNC = /\\\\[^\s\\'"]+(?:\\[^\s\\'"“”()<>,;]+)+/gu;

/**
 * Replaces each known path (longest first, so a file inside a known folder wins) with its file name, then any other
 * absolute path with its last part.
 */
export function scrubPaths(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const p of [...known].filter((k) => k.length > 1).sort((a, b) => b.length - a.length)) {
    out = out.split(p).join(baseName(p));
  }
  return out.replace(UNC, baseName).replace(WINDOWS, baseName).replace(POSIX, baseName);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');

/**
 * The message without the file's name where the place it is shown names the file already (a queue row: "x.mp3 —
 * The audio in this file could not be decoded: x.mp3"). Drops a leading "x.mp3: ", a trailing ": x.mp3" or
 * " (x.mp3)", and calls any other mention "this file": the message says what happened, the row which file.
 */
export function withoutName(message: string, name: string): string {
  if (name.length === 0) return message;
  const n = escape(name);
  let out = message
    .replace(new RegExp(`^\\s*${n}\\s*:\\s*`, 'u'), '')
    .replace(new RegExp(`\\s*(?::\\s*${n}|\\(${n}\\))\\s*([.!]?)\\s*$`, 'u'), '$1')
    .split(name)
    .join('this file')
    .trim();
  if (out.length === 0) return message;
  out = out.charAt(0).toUpperCase() + out.slice(1);
  return /[.!?…]$/u.test(out) ? out : `${out}.`;
}
