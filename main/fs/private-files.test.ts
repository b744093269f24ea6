import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write';
import { pidAlive, securePrivateData, usePrivateUmask } from './private-files';

const root = mkdtempSync(join(tmpdir(), 'rs-private-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const mode = (path: string): number => statSync(path).mode & 0o777;
const posix = process.platform !== 'win32';

describe.runIf(posix)('private files (POSIX)', () => {
  it('writeFileAtomic creates user-only files even under a permissive umask, also over a 0644 file', async () => {
    const before = process.umask(0);
    try {
      const fresh = join(root, 'fresh.json');
      await writeFileAtomic(fresh, '{}');
      expect(mode(fresh)).toBe(0o600);
      const old = join(root, 'old.json');
      writeFileSync(old, 'x', { mode: 0o644 });
      expect(mode(old)).toBe(0o644);
      await writeFileAtomic(old, 'y');
      expect(mode(old)).toBe(0o600);
    } finally {
      process.umask(before);
    }
  });

  it('usePrivateUmask makes whatever is created next user-only', () => {
    const before = usePrivateUmask();
    try {
      const dir = join(root, 'made-under-umask');
      mkdirSync(dir);
      writeFileSync(join(dir, 'f'), 'x');
      expect(mode(dir)).toBe(0o700);
      expect(mode(join(dir, 'f'))).toBe(0o600);
    } finally {
      process.umask(before!);
    }
  });

  it('tightens what an older version left readable and removes temp files of crashed writes', async () => {
    const data = join(root, 'userData');
    mkdirSync(join(data, 'jobs', 'j1'), { recursive: true, mode: 0o755 });
    writeFileSync(join(data, 'library.sqlite'), 'db', { mode: 0o644 });
    writeFileSync(join(data, 'jobs', 'j1', 'manifest.json'), '{}', { mode: 0o664 });
    writeFileSync(join(data, 'settings.json'), '{}', { mode: 0o600 });
    // a crashed writer's temp (a dead pid) and a live writer's (ours): only the first goes
    writeFileSync(join(data, 'jobs', 'j1', 'manifest.json.999999.tmp'), 'half');
    writeFileSync(join(data, `settings.json.${process.pid}.tmp`), 'mine', { mode: 0o600 });
    const outside = join(root, 'outside.txt');
    writeFileSync(outside, 'not ours', { mode: 0o644 });
    symlinkSync(outside, join(data, 'link'));

    const report = await securePrivateData(data, (pid) => pid === process.pid);
    expect(report.removedTemps).toEqual([join(data, 'jobs', 'j1', 'manifest.json.999999.tmp')]);
    expect(existsSync(join(data, `settings.json.${process.pid}.tmp`))).toBe(true);
    const loose = ['', 'jobs', join('jobs', 'j1'), join('jobs', 'j1', 'manifest.json'), 'library.sqlite'];
    expect(report.tightened.sort()).toEqual(loose.map((p) => join(data, p)).sort());
    for (const p of [join(data, 'jobs'), join(data, 'jobs', 'j1')]) expect(mode(p)).toBe(0o700);
    for (const p of [join(data, 'library.sqlite'), join(data, 'jobs', 'j1', 'manifest.json')])
      expect(mode(p)).toBe(0o600);
    // a link is not followed: the file it points to outside the folder keeps its mode
    expect(mode(outside)).toBe(0o644);
    // a second pass has nothing left to do
    expect(await securePrivateData(data, (pid) => pid === process.pid)).toEqual({
      tightened: [],
      removedTemps: [],
    });
  });

  it('tells a running process from one that is gone', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(2 ** 22 + 12_345)).toBe(false);
  });
});
