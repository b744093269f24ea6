/**
 * The app in real Electron (issue 24): what the Chromium e2e harness cannot show — the window created by main, the
 * sandboxed preload inside Electron, the engine in an Electron utilityProcess, the app:// protocol, the asar.
 * Launched with Playwright's Electron support:
 *   - ROTORSCRIBE_ELECTRON_APP=<packaged executable> (the release workflow: dist/linux-unpacked/rotorscribe,
 *     RotorScribe.app/Contents/MacOS/RotorScribe, win-unpacked/RotorScribe.exe), or else
 *   - the `electron` package's binary on out/ (npm run build first), where it was downloaded.
 * Where neither exists (our build machines: the Electron download is blocked) the suite is reported as skipped.
 * On Linux without a display it needs xvfb (`xvfb-run -a npx vitest run tests/packaged`).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speechWav } from '../../fixtures/audio';
import { TINY_ENCODER_WIDTH_REAL_LIKE, writeSyntheticVoxtral } from '../../fixtures/voxtral';

const root = path.resolve(import.meta.dirname, '../..');

/** The executable and its arguments, or why there is none. */
function electronTarget(): { executablePath: string; args: string[] } | { none: string } {
  const packaged = process.env.ROTORSCRIBE_ELECTRON_APP;
  if (packaged) {
    return existsSync(packaged)
      ? { executablePath: packaged, args: [] }
      : { none: `ROTORSCRIBE_ELECTRON_APP=${packaged} does not exist` };
  }
  try {
    // the electron package's main export is the path of the binary its install script downloads
    const bin = createRequire(import.meta.url)('electron') as unknown;
    if (typeof bin === 'string' && existsSync(bin)) {
      if (!existsSync(path.join(root, 'out/main/index.js')))
        return { none: 'out/ is not built (npm run build)' };
      return { executablePath: bin, args: [root] };
    }
  } catch {
    /* the package throws when its binary was never downloaded */
  }
  return { none: 'no Electron binary (set ROTORSCRIBE_ELECTRON_APP or download electron)' };
}

const target = electronTarget();
if ('none' in target) console.log(`[packaged-app] skipped: ${target.none}`);

describe.skipIf('none' in target)('the packaged app in real Electron', () => {
  let dir = '';
  let wav = '';
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    if ('none' in target) return;
    dir = await mkdtemp(path.join(os.tmpdir(), 'rs-packaged-'));
    const fx = await writeSyntheticVoxtral({
      dir: path.join(dir, 'model'),
      size: 'tiny',
      seed: 7,
      encoderWidth: TINY_ENCODER_WIDTH_REAL_LIKE,
      outputMask: 'printable',
    });
    wav = await speechWav({
      text: 'The budget review starts at nine.',
      path: path.join(dir, 'budget-review.wav'),
    });
    app = await electron.launch({
      executablePath: target.executablePath,
      args: [...target.args, `--user-data-dir=${path.join(dir, 'user-data')}`],
      env: {
        ...process.env,
        ROTORSCRIBE_MODEL: fx.modelPath,
        ROTORSCRIBE_MMPROJ: fx.mmprojPath,
        ROTORSCRIBE_NO_UPDATE: '1',
      },
      timeout: 60_000,
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('opens its window from app:// with the sandboxed preload answering', async () => {
    expect(page.url()).toMatch(/^app:\/\/rotorscribe\//);
    const shape = await page.evaluate(() => ({
      api: typeof (globalThis as unknown as { api?: unknown }).api,
      frozen: Object.isFrozen((globalThis as unknown as { api?: object }).api),
      node: typeof (globalThis as unknown as { require?: unknown }).require,
      process: typeof (globalThis as unknown as { process?: unknown }).process,
    }));
    expect(shape).toEqual({ api: 'object', frozen: true, node: 'undefined', process: 'undefined' });
    // a real round trip through the preload, main's IPC checks and back
    const settings = await page.evaluate(async () => {
      const api = (globalThis as unknown as { api: { invoke: (c: string, a?: unknown) => Promise<unknown> } })
        .api;
      return api.invoke('settings:get');
    });
    expect(settings).toMatchObject({ ok: true });
  });

  it('starts the engine in a utilityProcess and transcribes a short WAV with the tiny model', async () => {
    // the file dialog answers with our WAV (main process), then the window's own Add files… button runs
    await app.evaluate(({ dialog }, file) => {
      dialog.showOpenDialog = (async () => ({
        canceled: false,
        filePaths: [file],
      })) as typeof dialog.showOpenDialog;
    }, wav);
    await page.getByRole('button', { name: 'Add files…' }).click();
    await page
      .getByRole('list', { name: 'Queued files' })
      .getByRole('listitem', { name: 'budget-review.wav' })
      .waitFor();
    const utility = await app.evaluate(({ app: electronApp }) =>
      electronApp
        .getAppMetrics()
        .filter((m) => m.type === 'Utility')
        .map((m) => m.serviceName ?? m.name ?? ''),
    );
    expect(utility).toContain('RotorScribe Engine');
    await page
      .getByRole('complementary', { name: 'Recent transcripts' })
      .getByText('budget-review')
      .waitFor({ timeout: 240_000 });
    await page.getByRole('complementary', { name: 'Recent transcripts' }).getByText('budget-review').click();
    const text = await page.getByRole('main').innerText();
    expect(text.trim().length).toBeGreaterThan(0);
  }, 300_000);
});
