import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { deleteJobFolder } from './delete-job';
import { CheckpointStore, type JobManifest } from './store';

const root = mkdtempSync(join(tmpdir(), 'rs-deljob-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const manifest: JobManifest = {
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  input: { path: '/a.mp3', size: 1, mtimeMs: 1, headSha256: 'a', tailSha256: 'b' },
  settings: {},
  engine: { id: 'x' },
};

async function jobFolder(name: string): Promise<string> {
  const dir = join(root, name);
  const store = await CheckpointStore.create(dir, manifest);
  await store.append({ type: 'end', windows: 0, samples: 0 });
  await store.close();
  return dir;
}

const refused = (e: unknown) => e instanceof RotorError && e.detail === 'not_a_job_folder';

describe('deleteJobFolder', () => {
  it('deletes a job folder and reports a missing one', async () => {
    const dir = await jobFolder('ok');
    expect(await deleteJobFolder(dir)).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(await deleteJobFolder(dir)).toBe(false);
  });

  it('refuses a folder without a manifest, and one holding other files', async () => {
    const plain = join(root, 'plain');
    mkdirSync(plain);
    writeFileSync(join(plain, 'notes.txt'), 'mine');
    await expect(deleteJobFolder(plain)).rejects.toSatisfy(refused);
    expect(existsSync(join(plain, 'notes.txt'))).toBe(true);

    const mixed = await jobFolder('mixed');
    writeFileSync(join(mixed, 'meeting.txt'), 'an export the user keeps');
    await expect(deleteJobFolder(mixed)).rejects.toSatisfy(refused);
    expect(existsSync(join(mixed, 'meeting.txt'))).toBe(true);
  });

  it('refuses a file', async () => {
    const file = join(root, 'file');
    writeFileSync(file, '{}');
    await expect(deleteJobFolder(file)).rejects.toSatisfy(refused);
  });
});
