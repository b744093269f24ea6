import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS } from '@common/library-schema';
import { generateRecording } from '../../../fixtures/audio-long';
import { securePrivateData, usePrivateUmask } from '../../fs/private-files';
import { createLibraryService } from '../library-service';
import { echoJobServices } from './testkit';

/** Every file and folder under `root` with its permission bits. */
function walk(root: string): { path: string; dir: boolean; mode: number }[] {
  const out: { path: string; dir: boolean; mode: number }[] = [];
  for (const name of readdirSync(root)) {
    const p = path.join(root, name);
    const info = lstatSync(p);
    out.push({ path: p, dir: info.isDirectory(), mode: info.mode & 0o777 });
    if (info.isDirectory()) out.push(...walk(p));
  }
  return out;
}

const echoService = echoJobServices();
const root = mkdtempSync(path.join(tmpdir(), 'rs-private-job-'));
let previousUmask: number | null = null;
let recording = '';

beforeAll(async () => {
  recording = await generateRecording({
    outDir: path.join(root, 'audio'),
    durationSec: 30,
    format: 'mp3',
    seed: 3,
  });
  // what the app's entry does first thing (main/app/index.ts); the engine's child process inherits it
  previousUmask = usePrivateUmask();
}, 120_000);
afterAll(() => {
  if (previousUmask !== null) process.umask(previousUmask);
  rmSync(root, { recursive: true, force: true });
});

describe.runIf(process.platform !== 'win32')('files the app creates are user-only', () => {
  it('every file and folder of a job (library, queue, checkpoints, exports) is 0600 / 0700', async () => {
    const userData = path.join(root, 'userData');
    mkdirSync(userData);
    // a temp file that a crash left beside the settings: the next start removes it
    const stale = path.join(userData, 'settings.json.999999.tmp');
    writeFileSync(stale, '{');
    expect((await securePrivateData(userData)).removedTemps).toEqual([stale]);

    const h = echoService(userData);
    await h.service.start();
    const { added } = await h.service.add([recording]);
    await h.service.whenIdle();
    const job = h.store.queue.get(added[0]!.id);
    expect(job.state).toBe('done');

    // exports, through the library service, into a folder the user chose (not created by the app)
    const documents = path.join(root, 'Documents');
    mkdirSync(documents, { mode: 0o755 });
    const library = createLibraryService({
      library: h.store.library,
      showSaveDialog: async (_e, { defaultName }) => path.join(documents, defaultName),
      mediaUrlFor: (t) => `media://${t}`,
    });
    for (const format of EXPORT_FORMATS) {
      await expect(library.exportTo({ senderFrame: null }, job.transcriptId!, format)).resolves.toMatchObject(
        { saved: true },
      );
    }
    await h.close();

    const created = [...walk(userData), ...walk(documents)];
    // the library database (with its WAL files while open), the job folder and six exports at least
    expect(created.filter((e) => !e.dir).length).toBeGreaterThanOrEqual(1 + EXPORT_FORMATS.length);
    expect(created.some((e) => e.path.endsWith('library.sqlite'))).toBe(true);
    expect(created.filter((e) => e.path.startsWith(documents)).length).toBe(EXPORT_FORMATS.length);
    const open = created.filter((e) => e.mode !== (e.dir ? 0o700 : 0o600));
    expect(open.map((e) => `${e.path} ${e.mode.toString(8)}`)).toEqual([]);
    // nothing else was written next to the recording
    expect(readdirSync(path.dirname(recording)).filter((n) => !/^(part|truth)/.test(n))).toEqual([]);
  });
});
