import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandInputs, truncatedNote } from './inputs';

const root = mkdtempSync(join(tmpdir(), 'rs-cli-inputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(rel: string): string {
  const p = join(root, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, 'x');
  return p;
}

const archive = join(root, 'archive');
beforeAll(() => {
  for (const rel of [
    'archive/top 10.mp3',
    'archive/top 2.mp3',
    'archive/notes.txt',
    'archive/.hidden.mp3',
    'archive/2026-01/call.m4a',
    'archive/2026-01/.cache/x.mp3',
    'archive/2026-02/deep/talk.wav',
    'only-subs/a/one.mp3',
    'nothing/readme.txt',
    'nothing/sub/also.txt',
  ])
    file(rel);
  // a link back up the tree: never followed
  symlinkSync(archive, join(archive, '2026-02', 'loop'));
});

describe('expandInputs', () => {
  it('without --recursive a folder is the media files directly in it; a folder of sub-folders says --recursive', async () => {
    const r = await expandInputs([archive, join(root, 'only-subs')]);
    expect(r.files).toEqual([join(archive, 'top 2.mp3'), join(archive, 'top 10.mp3')]);
    expect(r.truncated).toBe(false);
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0]?.path).toBe(join(root, 'only-subs'));
    expect(r.failed[0]?.error.code).toBe('FILE_NOT_FOUND');
    expect(r.failed[0]?.error.hint).toMatch(/--recursive/);
  });

  it('with --recursive: the app walk — sub-folders in name order, hidden and linked folders skipped, inputs in order', async () => {
    const lone = file('lone.flac');
    const missing = join(root, 'missing.mp3');
    const r = await expandInputs([missing, lone, archive, join(archive, '2026-01')], { recursive: true });
    expect(r.files).toEqual([
      lone,
      join(archive, 'top 2.mp3'),
      join(archive, 'top 10.mp3'),
      join(archive, '2026-01', 'call.m4a'),
      join(archive, '2026-02', 'deep', 'talk.wav'),
      // neither file nor folder: passed on as given, for the job to report
      missing,
    ]);
    expect(r.failed).toEqual([]);
    expect(r.truncated).toBe(false);
  });

  it('with --recursive a folder with no media anywhere below is reported with its own reason', async () => {
    const nothing = join(root, 'nothing');
    const r = await expandInputs([nothing, join(root, 'only-subs')], { recursive: true });
    expect(r.files).toEqual([join(root, 'only-subs', 'a', 'one.mp3')]);
    expect(r.failed.map((f) => [f.path, f.error.code])).toEqual([[nothing, 'FILE_NOT_FOUND']]);
    expect(r.failed[0]?.error.message).toMatch(/or its sub-folders/);
  });

  it('says when a cap stopped the walk, and the note names the caps and what was found', async () => {
    const limits = { maxDepth: 8, maxFiles: 3, maxEntries: 50_000 };
    const r = await expandInputs([archive], { recursive: true, limits });
    expect(r.files).toHaveLength(3);
    expect(r.truncated).toBe(true);
    const deep = await expandInputs([archive], { recursive: true, limits: { maxDepth: 1, maxFiles: 100 } });
    expect(deep.files).not.toContain(join(archive, '2026-02', 'deep', 'talk.wav'));
    expect(deep.truncated).toBe(true);
    expect(truncatedNote(3, limits)).toBe(
      'note: --recursive stopped at a limit (8 folder levels, 3 files, 50,000 entries looked at): 3 files found, the rest not searched; add sub-folders one at a time.',
    );
  });
});
