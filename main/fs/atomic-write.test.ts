import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write';

const root = mkdtempSync(join(tmpdir(), 'rs-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces the content and leaves no temp file', async () => {
    const path = join(root, 'a.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new content');
    expect(readFileSync(path, 'utf8')).toBe('new content');
    await writeFileAtomic(path, new Uint8Array([104, 105]));
    expect(readFileSync(path, 'utf8')).toBe('hi');
    expect(readdirSync(root).filter((n) => n.startsWith('a.json'))).toEqual(['a.json']);
  });

  it('keeps the old file and removes its temp file when the rename fails', async () => {
    const dir = mkdtempSync(join(root, 'fail-'));
    // A directory in the way makes the rename fail after the temp file was written.
    const target = join(dir, 'occupied');
    mkdirSync(join(target, 'child'), { recursive: true });
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['occupied']);
  });
});
