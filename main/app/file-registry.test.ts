import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileRegistry } from './file-registry';

const root = mkdtempSync(path.join(tmpdir(), 'rs-registry-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('file registry', () => {
  it('a dropped folder registers the audio/video files inside it under their own tokens', async () => {
    mkdirSync(path.join(root, 'rec', 'sub'), { recursive: true });
    writeFileSync(path.join(root, 'rec', 'b.mp3'), 'bb');
    writeFileSync(path.join(root, 'rec', 'sub', 'a.wav'), 'a');
    writeFileSync(path.join(root, 'rec', 'notes.txt'), 'x');
    const single = path.join(root, 'one.txt');
    writeFileSync(single, 'text');
    const files = createFileRegistry();
    const { files: refs, skipped } = await files.register([path.join(root, 'rec'), single]);
    expect(skipped).toBeUndefined();
    expect(refs.map((r) => [r.name, r.sizeBytes])).toEqual([
      ['b.mp3', 2],
      ['a.wav', 1],
      ['one.txt', 4],
    ]);
    expect(new Set(refs.map((r) => r.token)).size).toBe(3);
    expect(refs.map((r) => files.pathOf(r.token))).toEqual([
      path.join(root, 'rec', 'b.mp3'),
      path.join(root, 'rec', 'sub', 'a.wav'),
      single,
    ]);
  });

  it('a path that vanished is skipped by name, the others are registered; nothing left to add is an error', async () => {
    const here = path.join(root, 'here.wav');
    writeFileSync(here, 'w');
    const gone = path.join(root, 'gone', 'standup.mp3');
    const files = createFileRegistry();
    const result = await files.register([gone, here]);
    expect(result.files.map((r) => r.name)).toEqual(['here.wav']);
    expect(files.pathOf(result.files[0]!.token)).toBe(here);
    expect(result.skipped).toEqual([{ name: 'standup.mp3', reason: 'moved or deleted since it was chosen' }]);
    // the name, once: never the path (the window never holds paths)
    expect(JSON.stringify(result)).not.toContain(root);

    await expect(files.register([gone])).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: 'standup.mp3 is no longer there.',
    });
  });

  it('a folder too deep to read to the end adds what was found and says the rest was not added', async () => {
    const deep = path.join(root, 'archive', ...Array.from({ length: 10 }, (_, i) => `level-${i + 1}`));
    mkdirSync(deep, { recursive: true });
    writeFileSync(path.join(root, 'archive', 'top.wav'), 'w');
    writeFileSync(path.join(deep, 'buried.wav'), 'w');
    const files = createFileRegistry();
    const result = await files.register([path.join(root, 'archive')]);
    expect(result.files.map((r) => r.name)).toEqual(['top.wav']);
    expect(result.skipped).toEqual([
      { name: 'Part of archive', reason: expect.stringMatching(/^it goes deeper than 8 folder levels, /u) },
    ]);
    // nothing found before the cap: refused, with the reason (not 'There is no audio or video file')
    await expect(files.register([path.join(root, 'archive', 'level-1')])).rejects.toMatchObject({
      code: 'AUDIO_UNSUPPORTED',
      message: 'No recording was found in the part of level-1 that was looked through.',
    });
  });

  it('a folder with no audio alone is refused with a reason; tokens are opaque', async () => {
    mkdirSync(path.join(root, 'docs'), { recursive: true });
    writeFileSync(path.join(root, 'docs', 'a.pdf'), 'x');
    const files = createFileRegistry();
    await expect(files.register([path.join(root, 'docs')])).rejects.toMatchObject({
      code: 'AUDIO_UNSUPPORTED',
    });
    expect(() => files.pathOf('not-a-token')).toThrow(expect.objectContaining({ code: 'FILE_NOT_FOUND' }));
  });
});
