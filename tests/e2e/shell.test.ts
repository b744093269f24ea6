import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speechWav } from '../../fixtures/audio';
import { startApp, type AppHarness } from './harness';

let app: AppHarness;
let files: string;

beforeAll(async () => {
  files = await mkdtemp(path.join(os.tmpdir(), 'rotorscribe-e2e-files-'));
  app = await startApp();
});

afterAll(async () => {
  await app?.close();
  await rm(files, { recursive: true, force: true });
});

/** Waits until main answered a call on `channel` and the page has rendered what came back. */
async function answered(channel: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (!app.ipcCalls.some((c) => c.channel === channel && c.result !== undefined)) {
    if (Date.now() > until) throw new Error(`no answer on ${channel}`);
    await app.page.waitForTimeout(50);
  }
  await app.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
}

describe('shell in Debian Chromium, built renderer + built preload + real main handlers + engine worker', () => {
  it('loads under the strict CSP with window.api from the real preload', async () => {
    const { page } = app;
    await page.getByRole('heading', { name: 'Transcribe', level: 1 }).waitFor();
    expect(await app.preloadRequires()).toEqual(['electron']);
    const api = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      const value = w['api'] as Record<string, unknown>;
      return { keys: Object.keys(value).sort(), frozen: Object.isFrozen(value), hasIpc: 'ipcRenderer' in w };
    });
    expect(api).toEqual({ keys: ['invoke', 'on', 'registerDroppedFiles'], frozen: true, hasIpc: false });
    // The CSP really is enforced: an inline script injected by page code does not run.
    const inlineRan = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 50));
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(inlineRan).toBe(false);
    // Chromium reported exactly that violation; take it off the list the last test checks.
    const violations = app.pageErrors.filter((e) => e.includes('Content Security Policy'));
    expect(violations).toHaveLength(1);
    app.pageErrors.splice(app.pageErrors.indexOf(violations[0] ?? ''), 1);
    // app:getInfo went through on mount, from our origin's top frame.
    expect(app.ipcCalls.find((c) => c.channel === 'app:getInfo')).toMatchObject({
      senderUrl: `${app.baseUrl}/index.html`,
      subFrame: false,
      result: { ok: true },
    });
  });

  it('Engine status: click → preload → main → engine worker process → back', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Engine status' }).click();
    const status = page.getByRole('status');
    await status.getByText(/Engine ready · pid \d+/).waitFor({ timeout: 20_000 });
    const text = (await status.textContent()) ?? '';
    const pid = Number(/pid (\d+)/.exec(text)?.[1]);
    expect(pid).toBe(app.services.engine.status().pid);
    expect(pid).not.toBe(process.pid);
    const ping = app.ipcCalls.filter((c) => c.channel === 'engine:ping').at(-1);
    expect(ping).toMatchObject({
      payload: { echo: 'status' },
      result: { ok: true, value: { echo: 'status', pid } },
    });
    const shot = await app.screenshot('shell');
    expect((await readFile(shot)).subarray(1, 4).toString()).toBe('PNG');
  });

  it('an engine crash shows up in the window and the engine comes back by itself', async () => {
    const { page } = app;
    const before = app.services.engine.status().pid;
    await app.services.engine.request('crash', { exitCode: 1 }).catch(() => undefined);
    const status = page.getByRole('status');
    await status.getByText('Engine restarting after a crash (restart 1)…').waitFor();
    await status.getByText('Engine ready', { exact: true }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Engine status' }).click();
    await status.getByText(/Engine ready · pid \d+/).waitFor();
    const pid = Number(/pid (\d+)/.exec((await status.textContent()) ?? '')?.[1]);
    expect(pid).toBe(app.services.engine.status().pid);
    expect(pid).not.toBe(before);
  });

  it('rejects a forged channel and a malformed payload sent from the page', async () => {
    const { page } = app;
    const before = app.ipcCalls.length;
    const results = await page.evaluate(async () => {
      const api = (window as unknown as { api: { invoke(c: string, p?: unknown): Promise<unknown> } }).api;
      const raw = (window as unknown as { __ipcInvoke(c: string, p?: unknown): Promise<unknown> })
        .__ipcInvoke;
      const settle = (p: Promise<unknown>) =>
        p.then(
          (value) => ({ value }),
          (error: Error) => ({ thrown: error.message }),
        );
      return {
        forgedViaApi: await settle(api.invoke('fs:readFile', { path: '/etc/passwd' })),
        preloadOnlyViaApi: await settle(api.invoke('files:registerDropped', { paths: ['/etc/passwd'] })),
        malformedViaApi: await settle(api.invoke('engine:ping', { echo: 42 })),
        extraFieldViaApi: await settle(api.invoke('settings:set', { theme: 'dark', path: '/tmp/x' })),
        // A compromised page that skips the preload and talks to the IPC layer directly.
        forgedRaw: await settle(raw('fs:readFile', { path: '/etc/passwd' })),
        malformedRaw: await settle(raw('engine:ping', 'not an object')),
      };
    });
    expect(results.forgedViaApi).toMatchObject({
      value: { ok: false, error: { code: 'IPC_UNKNOWN_CHANNEL' } },
    });
    expect(results.preloadOnlyViaApi).toMatchObject({
      value: { ok: false, error: { code: 'IPC_UNKNOWN_CHANNEL' } },
    });
    expect(results.malformedViaApi).toMatchObject({
      value: { ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } },
    });
    expect(results.extraFieldViaApi).toMatchObject({
      value: { ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } },
    });
    expect(results.forgedRaw).toEqual({
      thrown: expect.stringContaining("No handler registered for 'fs:readFile'"),
    });
    expect(results.malformedRaw).toMatchObject({
      value: { ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } },
    });
    // The preload stopped the first two before they reached main.
    expect(app.ipcCalls.slice(before).map((c) => c.channel)).toEqual([
      'engine:ping',
      'settings:set',
      'fs:readFile',
      'engine:ping',
    ]);
    // Nothing was changed by the rejected settings call.
    expect((await app.services.settings.get()).theme).toBe('system');
  });

  it('rejects calls from a sub-frame, even one on our own origin', async () => {
    const { page } = app;
    await page.evaluate(() => {
      const frame = document.createElement('iframe');
      frame.id = 'probe';
      frame.src = '/index.html';
      frame.style.display = 'none';
      document.body.append(frame);
    });
    const child = await (await page.waitForSelector('#probe', { state: 'attached' })).contentFrame();
    if (!child) throw new Error('no iframe');
    await child.waitForLoadState();
    const result = await child.evaluate(() =>
      (window as unknown as { __ipcInvoke(c: string, p?: unknown): Promise<unknown> }).__ipcInvoke(
        'engine:ping',
        {
          echo: 'from iframe',
        },
      ),
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'IPC_FORBIDDEN_SENDER' } });
    await page.evaluate(() => document.getElementById('probe')?.remove());
  });

  it('a dropped file is resolved by the preload, registered by main, and queued by token', async () => {
    const { page } = app;
    const audio = path.join(files, 'standup.wav');
    await writeFile(audio, Buffer.alloc(48_044));
    await app.setDropPath('standup.wav', audio);
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(16)], 'standup.wav', { type: 'audio/wav' }));
      return dt;
    });
    await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer });
    const list = page.getByRole('list', { name: 'Queued files' });
    await list.getByText('standup.wav').waitFor();
    expect(await list.getByText('47 KB').count()).toBe(1);
    await app.screenshot('shell-queue');
    const call = app.ipcCalls.filter((c) => c.channel === 'files:registerDropped').at(-1);
    expect(call?.payload).toEqual({ paths: [audio] });
    const token = (call?.result as { value: { files: { token: string }[] } }).value.files[0]?.token ?? '';
    expect(app.services.files.pathOf(token)).toBe(audio);
    expect(await page.content()).not.toContain(files);
  });

  it('a drop where one file vanished meanwhile queues the others and names the missing one', async () => {
    const { page } = app;
    const here = path.join(files, 'retro.wav');
    await writeFile(here, Buffer.alloc(48_044));
    await app.setDropPath('retro.wav', here);
    await app.setDropPath('gone.wav', path.join(files, 'moved-away', 'gone.wav'));
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(16)], 'gone.wav', { type: 'audio/wav' }));
      dt.items.add(new File([new Uint8Array(16)], 'retro.wav', { type: 'audio/wav' }));
      return dt;
    });
    await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer });
    const list = page.getByRole('list', { name: 'Queued files' });
    await list.getByText('retro.wav').waitFor();
    await page.getByText('gone.wav was not added: moved or deleted since it was chosen.').waitFor();
    expect(await list.getByText('gone.wav').count()).toBe(0);
    await app.screenshot('shell-drop-one-missing');
    expect(await page.content()).not.toContain(files);
  });

  it('settings round trip and main → renderer events', async () => {
    const { page } = app;
    const saved = await page.evaluate(() =>
      (window as unknown as { api: { invoke(c: string, p?: unknown): Promise<unknown> } }).api.invoke(
        'settings:set',
        {
          language: 'fr',
        },
      ),
    );
    expect(saved).toMatchObject({ ok: true, value: { language: 'fr' } });
    expect((await app.services.settings.get()).language).toBe('fr');
    await app.emit('app:navigate', { view: 'settings' });
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Transcribe' }).click();
    await page.getByRole('heading', { name: 'Transcribe', level: 1 }).waitFor();
  });

  it('keyboard: Tab reaches the skip link first and it moves focus to main', async () => {
    const { page } = app;
    await page.reload();
    await page.getByRole('heading', { name: 'Transcribe', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to main content');
    await app.screenshot('shell-skip-link');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('keyboard: focus stays on Add files… while its dialog runs and after it returns', async () => {
    const { page } = app;
    const add = page.getByRole('button', { name: 'Add files…' });
    await add.focus();
    await page.keyboard.press('Enter');
    // the dialog call went to main and its answer came back (the harness's dialog picks nothing)
    await answered('dialog:openAudioFiles');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Add files…');
  });

  it('dark theme follows the OS preference', async () => {
    const { page } = app;
    await page.emulateMedia({ colorScheme: 'dark' });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(17, 20, 24)');
    await app.screenshot('shell-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(246, 247, 249)',
    );
  });

  it('fits the minimum window size (720×480) without horizontal scrolling', async () => {
    const { page } = app;
    await page.setViewportSize({ width: 720, height: 480 });
    await page.getByRole('button', { name: 'Engine status' }).click();
    await page
      .getByRole('status')
      .getByText(/Engine ready · pid/)
      .waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await app.screenshot('shell-min-size');
    await page.setViewportSize({ width: 1200, height: 760 });
  });

  it('every view fits the minimum window width, the Transcript tab and the library table included', async () => {
    const { page } = app;
    const audio = await speechWav({
      text: 'The budget review starts on Monday.',
      path: path.join(files, 'budget-review.wav'),
      padSeconds: 0.3,
    });
    await app.setDropPath('budget-review.wav', audio);
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(16)], 'budget-review.wav'));
      return dt;
    });
    await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer });
    const open = page.getByRole('button', { name: 'Open transcript of budget-review.wav' });
    await open.waitFor({ timeout: 60_000 });
    await page.setViewportSize({ width: 720, height: 480 });
    await open.click();
    await page.getByRole('heading', { name: 'budget-review', level: 1 }).waitFor();
    // with a transcript open the top bar holds five views and the engine status
    const views = ['Transcript', 'Transcribe', 'Record', 'Library', 'Settings'];
    const seen: Record<string, { overflow: number; statusRight: number }> = {};
    for (const view of views) {
      await page.getByRole('navigation', { name: 'Primary' }).getByRole('button', { name: view }).click();
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      seen[view] = await page.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        statusRight: Math.round(
          [...document.querySelectorAll('button')]
            .find((b) => b.textContent === 'Engine status')!
            .getBoundingClientRect().right,
        ),
      }));
    }
    for (const view of views) {
      expect(seen[view]!.overflow, `${view}: ${JSON.stringify(seen)}`).toBeLessThanOrEqual(0);
      expect(seen[view]!.statusRight, `${view}: ${JSON.stringify(seen)}`).toBeLessThanOrEqual(720);
    }
    // the library table shows its Delete column without a sideways scroll, at the minimum and the default size
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('button', { name: 'Library' }).click();
    const table = page.getByRole('table', { name: 'Transcripts' });
    const fit = () =>
      table.evaluate((t) => {
        const box = t.parentElement!;
        const del = t.querySelector('button[aria-label^="Delete"]')!.getBoundingClientRect();
        return {
          hiddenSideways: box.scrollWidth - box.clientWidth,
          deleteInside: del.right <= box.getBoundingClientRect().right,
        };
      });
    expect(await fit()).toEqual({ hiddenSideways: 0, deleteInside: true });
    await app.screenshot('shell-min-size-library');
    await page.setViewportSize({ width: 1200, height: 760 });
    expect(await fit()).toEqual({ hiddenSideways: 0, deleteInside: true });
    await app.screenshot('library-table-default-size');
  });

  it('keyboard: Engine status and Export… keep the focus while their work runs', async () => {
    const { page } = app;
    const focused = () => page.evaluate(() => document.activeElement?.textContent);
    const ping = page.getByRole('button', { name: 'Engine status' });
    await ping.focus();
    const pings = app.ipcCalls.length;
    await page.keyboard.press('Enter');
    await page
      .getByRole('status')
      .getByText(/Engine ready · pid/)
      .waitFor();
    expect(app.ipcCalls.length).toBeGreaterThan(pings);
    expect(await focused()).toBe('Engine status');

    // the transcript opened above: export from the keyboard (the harness's save dialog is cancelled)
    await page
      .getByRole('navigation', { name: 'Primary' })
      .getByRole('button', { name: 'Transcript' })
      .click();
    await page.getByRole('button', { name: 'Export…' }).focus();
    await page.keyboard.press('Enter');
    expect(await focused()).toBe('Plain text (.txt)');
    await page.keyboard.press('Enter');
    await answered('library:export');
    expect(await focused()).toBe('Export…');
  });

  it('saw no page errors and no CSP violations', () => {
    expect(app.pageErrors).toEqual([]);
  });
});
