/**
 * A long transcript (1,500 segments) in the editor, in the built renderer in Chromium: the segment list is windowed
 * (only the rows near the viewport are in the page), and what depends on rows being there still works for rows far
 * down: opening at a search hit, following the playhead (Alt+↓), find's active hit, click-to-seek, Tab from row to
 * row, scrolling to the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppHarness } from './harness';
import { longTranscript, writeSilentWav } from './long-transcript';

let app: AppHarness;
let root = '';
const transcript = longTranscript(1500);

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rs-e2e-long-'));
  // a recording to play: without one the editor has no playhead to follow
  const audio = await writeSilentWav(path.join(root, 'all-hands.wav'), 1500);
  app = await startApp({ viewport: { width: 1280, height: 860 } });
  app.services.library.library.save({ transcript, sourceRef: audio });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await rm(root, { recursive: true, force: true });
});

/** The row's place (1-based) and whether it lies inside the scrolling area's visible part. */
const rowInView = (posinset: number) =>
  app.page.evaluate((n) => {
    const row = document.querySelector<HTMLElement>(`li.segment[aria-posinset="${n}"]`);
    const main = document.querySelector<HTMLElement>('.main');
    if (!row || !main) return { rendered: !!row, visible: false };
    const r = row.getBoundingClientRect();
    const m = main.getBoundingClientRect();
    return { rendered: true, visible: r.top >= m.top - 1 && r.bottom <= m.bottom + 1 };
  }, posinset);

const currentPos = () =>
  app.page.evaluate(() =>
    document.querySelector('li.segment[aria-current="true"]')?.getAttribute('aria-posinset'),
  );

describe('a 1,500-segment transcript in the editor', () => {
  it('opens with only the rows near the viewport in the page', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Library', exact: true }).click();
    await page
      .getByRole('table', { name: 'Transcripts' })
      .getByRole('button', { name: transcript.meta.title, exact: true })
      .click();
    await page.getByRole('textbox', { name: 'Text at 0:00' }).waitFor();
    const rows = await page.locator('li.segment').count();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(120);
    expect(await page.locator('li.segment').first().getAttribute('aria-setsize')).toBe('1500');
    await app.screenshot('editor-long-top-light');
  });

  it('a search hit far down opens there: its row is rendered, current and in view', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Library', exact: true }).click();
    await page.getByRole('searchbox', { name: 'Search transcripts' }).fill('"Segment 1401"');
    const hit = page.getByRole('list', { name: 'Search results' }).getByRole('button').first();
    await hit.waitFor();
    await hit.click();
    await page.waitForFunction(() => document.querySelector('li.segment[aria-current="true"]') !== null);
    expect(await currentPos()).toBe('1401');
    await expect.poll(() => rowInView(1401)).toEqual({ rendered: true, visible: true });
    expect(await page.locator('li.segment').count()).toBeLessThan(120);
    await app.screenshot('editor-long-search-hit-light');
  });

  it('Alt+↓ follows the playhead to the next rows; clicking a time seeks there', async () => {
    const { page } = app;
    await page.locator('.transcript__segments').focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('Alt+ArrowDown');
    await expect.poll(currentPos).toBe('1404');
    await expect.poll(() => rowInView(1404)).toEqual({ rendered: true, visible: true });
    const time = page.locator('li.segment[aria-posinset="1406"] .segment__time');
    await time.click();
    await expect.poll(currentPos).toBe('1406');
  });

  it('find: Next brings the active hit into view, far from where the reader is', async () => {
    const { page } = app;
    await page.keyboard.press('Control+f');
    await page.getByRole('searchbox', { name: 'Find' }).fill('Segment 12:');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.segment__hit--active') !== null);
    const active = await page.evaluate(() => {
      const mark = document.querySelector('.segment__hit--active')!;
      const main = document.querySelector('.main')!.getBoundingClientRect();
      const r = mark.getBoundingClientRect();
      return {
        row: mark.closest('li')!.getAttribute('aria-posinset'),
        visible: r.top >= main.top && r.bottom <= main.bottom,
      };
    });
    expect(active).toEqual({ row: '12', visible: true });
    await app.screenshot('editor-long-find-light');

    // the smallest window: the sticky player and find bar go compact (at full size they took half of what is left
    // for the rows), and the hit is shown below them
    await page.setViewportSize({ width: 720, height: 480 });
    const sticky = await page.evaluate(() => {
      const bars = document.querySelector('.transcript__sticky')!.getBoundingClientRect();
      const main = document.querySelector('.main')!.getBoundingClientRect();
      const player = document.querySelector('.player')!.getBoundingClientRect();
      const play = document.querySelector('.player__play')!.getBoundingClientRect();
      const rate = document.querySelector('.player__rate')!.getBoundingClientRect();
      return {
        share: bars.height / main.height,
        // the player keeps all its controls on one line
        playerOneLine: Math.abs(rate.top + rate.height / 2 - (play.top + play.height / 2)) < 4,
        playerInside: player.right <= main.right,
      };
    });
    expect(sticky.share).toBeLessThanOrEqual(1 / 3);
    expect(sticky.playerOneLine).toBe(true);
    expect(sticky.playerInside).toBe(true);
    await page.getByRole('searchbox', { name: 'Find' }).fill('Segment 1300:');
    await page.keyboard.press('Enter');
    await expect
      .poll(() =>
        page.evaluate(() => {
          const mark = document.querySelector('.segment__hit--active');
          if (!mark) return null;
          const bars = document.querySelector('.transcript__sticky')!.getBoundingClientRect();
          const main = document.querySelector('.main')!.getBoundingClientRect();
          const r = mark.getBoundingClientRect();
          return {
            row: mark.closest('li')!.getAttribute('aria-posinset'),
            clear: r.top >= bars.bottom && r.bottom <= main.bottom,
          };
        }),
      )
      .toEqual({ row: '1300', clear: true });
    await app.screenshot('editor-long-find-narrow-light');
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.keyboard.press('Escape');
  });

  it('Tab goes from row to row past the first screenful, and the end of the list is reachable', async () => {
    const { page } = app;
    await page.evaluate(() => document.querySelector('.main')!.scrollTo(0, 0));
    await page.locator('li.segment[aria-posinset="12"] textarea').focus();
    // each row has six stops: checkbox, time, speaker, text, Split, Merge
    const rowOfFocus = () =>
      page.evaluate(
        () => document.activeElement?.closest('li.segment')?.getAttribute('aria-posinset') ?? null,
      );
    for (let i = 0; i < 6 * 20; i++) await page.keyboard.press('Tab');
    expect(Number(await rowOfFocus())).toBe(32);
    await page.evaluate(() => {
      const main = document.querySelector('.main')!;
      main.scrollTop = main.scrollHeight;
    });
    await expect.poll(() => rowInView(1500).then((r) => r.rendered)).toBe(true);
    await app.screenshot('editor-long-end-light');
    expect(app.pageErrors).toEqual([]);
  });
});
