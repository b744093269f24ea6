/**
 * Output names for a batch of inputs written to one folder. `meeting.mp3` and `meeting.opus` would both become
 * `meeting.txt`; when stems collide the extension stays in the name (`meeting.mp3.txt`, `meeting.opus.txt`), and
 * inputs that still collide (same name in different folders) get a number. Pure.
 */
import { basename, extname } from 'node:path';

export function outputStems(files: readonly string[]): Map<string, string> {
  const plain = (f: string): string => basename(f, extname(f)) || basename(f);
  // Case-insensitive file systems (macOS, Windows) would overwrite `Meeting.txt` with `meeting.txt`.
  const key = (f: string): string => plain(f).toLowerCase();
  const count = new Map<string, number>();
  for (const f of new Set(files)) count.set(key(f), (count.get(key(f)) ?? 0) + 1);
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const f of files) {
    if (out.has(f)) continue;
    const base = (count.get(key(f)) ?? 0) > 1 ? basename(f) : plain(f);
    let stem = base;
    for (let n = 2; taken.has(stem.toLowerCase()); n++) stem = `${base}-${n}`;
    taken.add(stem.toLowerCase());
    out.set(f, stem);
  }
  return out;
}
