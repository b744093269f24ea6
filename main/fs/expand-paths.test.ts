import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandPaths, isAudioName } from './expand-paths';

const root = mkdtempSync(path.join(tmpdir(), 'rs-expand-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(rel: string, bytes = 10): string {
  const p = path.join(root, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, Buffer.alloc(bytes));
  return p;
}

describe('expandPaths', () => {
  it('walks folders in name order, keeps audio/video names only, skips hidden entries, follows no folder links', async () => {
    file('lib/b/talk 10.mp3', 5);
    file('lib/b/talk 9.M4A', 6);
    file('lib/a.wav', 7);
    file('lib/notes.txt');
    file('lib/.hidden.mp3');
    file('lib/.cache/inside.mp3');
    file('lib/deep/er/clip.opus');
    symlinkSync(path.join(root, 'lib'), path.join(root, 'lib', 'loop')); // a folder link back to the top
    symlinkSync(path.join(root, 'lib', 'a.wav'), path.join(root, 'lib', 'z-link.wav'));
    const r = await expandPaths([path.join(root, 'lib')]);
    expect(r.files.map((f) => path.relative(root, f.path))).toEqual([
      'lib/a.wav',
      'lib/z-link.wav',
      'lib/b/talk 9.M4A',
      'lib/b/talk 10.mp3',
      'lib/deep/er/clip.opus',
    ]);
    expect(r.files[0]!.sizeBytes).toBe(7);
    expect(r).toMatchObject({ missing: [], emptyFolders: [], truncated: false });
  });

  it('takes a dropped file whatever its name, once, and reports missing paths and empty folders', async () => {
    const txt = file('single/readme.txt');
    mkdirSync(path.join(root, 'empty/sub'), { recursive: true });
    const r = await expandPaths([txt, txt, path.join(root, 'nope.mp3'), path.join(root, 'empty')]);
    expect(r.files.map((f) => f.path)).toEqual([txt]);
    expect(r.missing).toEqual([path.join(root, 'nope.mp3')]);
    expect(r.emptyFolders).toEqual([path.join(root, 'empty')]);
  });

  it('stops at the depth and count caps and says so', async () => {
    file('caps/1.mp3');
    file('caps/2.mp3');
    file('caps/3.mp3');
    file('caps/x/y/deep.mp3');
    const counted = await expandPaths([path.join(root, 'caps')], { maxDepth: 8, maxFiles: 2 });
    expect(counted.files.map((f) => path.basename(f.path))).toEqual(['1.mp3', '2.mp3']);
    expect(counted.truncated).toBe(true);
    const shallow = await expandPaths([path.join(root, 'caps')], { maxDepth: 1, maxFiles: 100 });
    expect(shallow.files.map((f) => path.basename(f.path))).toEqual(['1.mp3', '2.mp3', '3.mp3']);
    expect(shallow.truncated).toBe(true);
  });

  it('walks a folder reached twice (under a link to it, or inside another dropped folder) once', async () => {
    file('archive/2026-11/standup.wav');
    file('archive/2026-12/retro.mp3');
    symlinkSync(path.join(root, 'archive'), path.join(root, 'archive-link'));
    const r = await expandPaths([
      path.join(root, 'archive'),
      path.join(root, 'archive-link'),
      path.join(root, 'archive', '2026-12'),
    ]);
    // each recording once, under the path it was first reached by
    expect(r.files.map((f) => path.relative(root, f.path))).toEqual([
      'archive/2026-11/standup.wav',
      'archive/2026-12/retro.mp3',
    ]);
    expect(r).toMatchObject({ emptyFolders: [], truncated: false });
  });

  it('stops after looking at maxEntries entries (a dropped home folder) and says so', async () => {
    for (let i = 0; i < 5; i++) file(`big/notes-${i}.txt`);
    file('big/z/last.mp3');
    const capped = await expandPaths([path.join(root, 'big')], { maxDepth: 8, maxFiles: 100, maxEntries: 4 });
    expect(capped.files).toEqual([]);
    expect(capped.truncated).toBe(true);
    const all = await expandPaths([path.join(root, 'big')], { maxDepth: 8, maxFiles: 100, maxEntries: 7 });
    expect(all.files.map((f) => path.relative(root, f.path))).toEqual(['big/z/last.mp3']);
    expect(all.truncated).toBe(false);
  });

  it('knows the open dialog extensions', () => {
    expect(['a.WAV', 'b.mkv', 'c.mov', 'd.webm'].every(isAudioName)).toBe(true);
    expect(['a.txt', 'b', 'mp3', 'c.mp3.part'].some(isAudioName)).toBe(false);
  });
});
