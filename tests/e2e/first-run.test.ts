/**
 * First run, end to end: a fresh user data folder and no model configured; the window shows the setup screen with
 * the advisor's pick; the download comes from a Hub-style server on 127.0.0.1 (main/models/testkit.ts) serving the
 * tiny synthetic Voxtral under the catalog's file names; once verified and installed the window goes straight to the
 * Transcribe view, and a dropped recording becomes a transcript on the BUILT engine worker with the downloaded files.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speechWav } from '../../fixtures/audio';
import { writeSyntheticVoxtral } from '../../fixtures/voxtral';
import { MODEL_CATALOG } from '../../main/models/catalog';
import { startHubServer, type HubServer, type HubFileSpec } from '../../main/models/testkit';
import { startApp, type AppHarness } from './harness';

let root = '';
let server: HubServer;
let app: AppHarness | undefined;
let speech = '';

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rs-e2e-first-run-'));
  const model = await writeSyntheticVoxtral({ dir: path.join(root, 'fixture'), size: 'tiny', seed: 7 });
  // every catalog entry's files, so whichever the advisor recommends on this machine can be downloaded
  const repos: Record<string, Record<string, HubFileSpec>> = {};
  for (const e of MODEL_CATALOG) {
    repos[e.repo] = {
      ...repos[e.repo],
      [e.model.path]: { source: model.modelPath },
      [e.mmproj.path]: { source: model.mmprojPath },
    };
  }
  server = await startHubServer({ repos });
  speech = await speechWav({
    text: 'The quarterly budget review starts on Monday morning with the finance team.',
    path: path.join(root, 'audio', 'budget-review.wav'),
    padSeconds: 0.5,
  });
}, 600_000);

afterAll(async () => {
  await app?.close();
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 240_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('first run: no model → setup screen → download from the endpoint → transcript', () => {
  it(
    "shows the catalog with the advisor's pick, downloads with one progress bar, then transcribes",
    { timeout: 400_000 },
    async () => {
      app = await startApp({ env: { ROTORSCRIBE_MODEL_ENDPOINT: server.endpoint }, jobThrottleMs: 100 });
      const { page } = app;
      await page.getByRole('heading', { name: 'Set up transcription' }).waitFor();
      const state = await app.services.models.state();
      expect(state.active.ready).toBe(false);
      const rec = MODEL_CATALOG.find((e) => e.id === state.recommended?.id);
      expect(rec, 'a recommended catalog entry').toBeDefined();
      const radio = page.getByRole('radio', { name: new RegExp(rec!.label.replace(/[·.]/gu, '.'), 'u') });
      expect(await radio.isChecked()).toBe(true);
      await page.getByText('Recommended for this computer.').waitFor();
      // the exact size, read from the server's metadata before anything is downloaded
      const exact = server.sizeOf(rec!.model.path) + server.sizeOf(rec!.mmproj.path);
      const download = page.getByRole('button', { name: /^Download \(/u });
      await page.waitForFunction(
        () => /Download \(\d+(\.\d+)? MB\)/u.test(document.body.innerText),
        undefined,
        { timeout: 30_000 },
      );
      expect(server.sent.size).toBe(0);
      await app.screenshot('first-run-setup');

      // a recording dropped on the window before any model exists: queued, and shown waiting on the setup screen
      await app.setDropPath(path.basename(speech), speech);
      const dataTransfer = await page.evaluateHandle((name) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(8)], name));
        return dt;
      }, path.basename(speech));
      await page.locator('main').dispatchEvent('drop', { dataTransfer });
      await page
        .getByRole('status')
        .filter({ hasText: '1 file is waiting: it is transcribed as soon as a model is set up.' })
        .waitFor();
      await page
        .getByRole('list', { name: 'Queued files' })
        .getByRole('listitem', { name: path.basename(speech) })
        .getByText('Queued')
        .waitFor();
      expect(app.services.jobs.list().map((j) => j.state)).toEqual(['queued']);
      // dropped again while it waits: not a second job, and the window says why nothing was added
      await page.locator('main').dispatchEvent('drop', { dataTransfer });
      await page
        .getByRole('status')
        .filter({ hasText: `${path.basename(speech)} is already in the queue.` })
        .waitFor();
      expect(app.services.jobs.list()).toHaveLength(1);
      await app.screenshot('first-run-file-waiting');

      // slow enough for the progress to be seen (and photographed), then full speed
      server.throttle(16 * 1024);
      await download.click();
      const bar = page.getByRole('progressbar');
      await bar.waitFor();
      await server.waitForSent(rec!.model.path, 512 * 1024);
      await page.waitForFunction(
        () => Number(document.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow')) > 0,
      );
      await app.screenshot('first-run-downloading');
      server.throttle(0);

      // verified, installed, configured: straight into the Transcribe view
      await page.getByRole('heading', { name: 'Transcribe', exact: true }).waitFor({ timeout: 60_000 });
      const after = await app.services.models.state();
      expect(after.active).toMatchObject({ ready: true, source: 'settings', id: rec!.id });
      expect(after.download?.bytesTotal).toBe(exact);
      // no byte was fetched twice
      expect(server.sent.get(rec!.model.path)).toBe(server.sizeOf(rec!.model.path));

      // the file dropped before the download starts on its own
      const job = await until('the job to finish', () => {
        const [j] = app!.services.jobs.list();
        return j && (j.state === 'done' || j.state === 'failed') ? j : undefined;
      });
      expect(job.state, JSON.stringify(job.error)).toBe('done');
      const { items } = app.services.libraryService.list({});
      expect(items).toHaveLength(1);
      expect(items[0]!.model).toBe(path.basename(rec!.model.path));
      expect(items[0]!.segmentCount).toBeGreaterThan(0);
      await page
        .getByRole('complementary', { name: 'Recent transcripts' })
        .getByText('budget-review')
        .waitFor();
      // Settings → Models: the download is the model in use
      await page.getByRole('button', { name: 'Settings', exact: true }).click();
      const row = page
        .getByRole('list', { name: 'Available models' })
        .getByRole('listitem', { name: rec!.label });
      await row.getByText('In use').waitFor();
      await page.getByRole('heading', { name: 'Models' }).scrollIntoViewIfNeeded();
      await app.screenshot('settings-models');
      expect(app.pageErrors).toEqual([]);
    },
  );

  it(
    'quitting mid-download: the next start shows the download paused, Resume fetches only the rest',
    { timeout: 300_000 },
    async () => {
      await app?.close();
      app = undefined;
      const userDataDir = path.join(root, 'restart-user-data');
      await mkdir(userDataDir, { recursive: true });
      const env = { ROTORSCRIBE_MODEL_ENDPOINT: server.endpoint };
      server.sent.clear();
      server.requests.length = 0;

      const first = await startApp({ env, userDataDir });
      const id = (await first.services.models.state()).recommended!.id;
      const entry = MODEL_CATALOG.find((e) => e.id === id)!;
      server.throttle(16 * 1024);
      await first.page.getByRole('button', { name: /^Download \(/u }).click();
      await server.waitForSent(entry.model.path, Math.floor(server.sizeOf(entry.model.path) * 0.4));
      // quitting the app pauses the download; what was written stays
      await first.close();
      server.throttle(0);
      const before = server.requests.filter((r) => r.path === entry.model.path).length;

      app = await startApp({ env, userDataDir });
      const { page } = app;
      await page.getByRole('heading', { name: 'Download paused' }).waitFor();
      const bar = page.getByRole('progressbar');
      const shown = Number(await bar.getAttribute('aria-valuenow'));
      expect(shown).toBeGreaterThanOrEqual(25);
      expect(shown).toBeLessThan(100);
      await app.screenshot('first-run-paused-after-restart');
      await page.getByRole('button', { name: 'Resume' }).click();
      await page.getByRole('heading', { name: 'Transcribe', exact: true }).waitFor({ timeout: 60_000 });

      const resumed = server.requests.filter((r) => r.path === entry.model.path).slice(before);
      expect(resumed).toHaveLength(1);
      const from = Number(/^bytes=(\d+)-$/u.exec(resumed[0]!.range ?? '')?.[1]);
      expect(from).toBeGreaterThan(0);
      expect(resumed[0]!.sent).toBe(server.sizeOf(entry.model.path) - from);
      expect((await app.services.models.state()).active).toMatchObject({ ready: true, id });
      expect(app.pageErrors).toEqual([]);
    },
  );
});
