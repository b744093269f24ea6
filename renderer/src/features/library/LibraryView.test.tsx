import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatDateTime, formatDay, formatRecent } from '@common/format-date';
import type { SearchHit } from '@common/library-schema';
import { useAppStore } from '../../shell/app-store';
import { Shell } from '../../shell/Shell';
import { IDLE_HANDLERS, ok, stored, summary } from '../../test-fixtures';
import { installFakeApi, removeFakeApi, resetStores } from '../../test-support';
import { usePlaybackStore } from '../transcript/playback-store';
import { SEARCH_DEBOUNCE_MS } from './store';

beforeEach(() => resetStores());
afterEach(() => {
  cleanup();
  removeFakeApi();
  vi.useRealTimers();
});

const weekly = summary({
  id: 't1',
  title: 'Weekly sync',
  sourceName: 'weekly.m4a',
  durationSec: 3725,
  language: 'en',
  model: 'Voxtral-Mini-3B Q4_K_M',
  kvK: 'iso3',
  kvV: 'q8_0',
  speed: 12.34,
  flagsCount: 2,
});
const standup = summary({ id: 't2', title: 'Standup', sourceName: 'standup.wav', kvK: 'f16', kvV: 'f16' });

const HIT: SearchHit = {
  transcriptId: 't1',
  title: 'Weekly sync',
  segmentId: 's1',
  startSec: 12,
  endSec: 20,
  snippet: [
    { text: 'The ', hit: false },
    { text: 'budget', hit: true },
    { text: ' is <b>late</b> again', hit: false },
  ],
};

function setup(extra: Parameters<typeof installFakeApi>[0] = {}) {
  let items = [weekly, standup];
  const fake = installFakeApi({
    ...IDLE_HANDLERS,
    'library:list': () => ok({ items, total: items.length }),
    'library:delete': (p) => {
      items = items.filter((t) => t.id !== (p as { id: string }).id);
      return ok({});
    },
    'library:restore': () => {
      items = [weekly, standup];
      return ok(weekly);
    },
    'library:rename': (p) => ok({ ...standup, title: (p as { title: string }).title }),
    'library:search': () => ok({ hits: [HIT] }),
    'library:get': () => ok(stored(weekly)),
    'library:mediaUrl': () => ok({ url: 'rotorscribe-media://0f0e0d0c-aaaa-bbbb-cccc-000000000001' }),
    ...extra,
  });
  render(<Shell />);
  fireEvent.click(screen.getByRole('button', { name: 'Library' }));
  return fake;
}

const calls = (fake: ReturnType<typeof installFakeApi>, channel: string) =>
  fake.api.invoke.mock.calls.filter(([c]) => c === channel).map(([, p]) => p);

describe('Library view', () => {
  it('lists every transcript with its facts', async () => {
    setup();
    const table = await screen.findByRole('table', { name: 'Transcripts' });
    const row = within(table).getByRole('row', { name: /Weekly sync/ });
    const text = row.textContent ?? '';
    for (const fact of [
      '1:02:05',
      'en',
      'weekly.m4a',
      'Voxtral-Mini-3B Q4_K_M',
      'K iso3 / V q8_0',
      '12.3×',
      '2',
    ]) {
      expect(text).toContain(fact);
    }
    expect(within(table).getByRole('row', { name: /Standup/ }).textContent).toContain('K/V f16');
    expect(screen.getByText('2 transcripts')).toBeTruthy();
  });

  it("today's transcripts show their time, so several made the same day can be told apart; older ones their date", async () => {
    const now = Date.now();
    const today = (h: number, m: number) => new Date(now).setHours(h, m, 0, 0);
    const morning = summary({ id: 'a', title: 'Morning call', createdAt: today(9, 5) });
    const later = summary({ id: 'b', title: 'Second call', createdAt: today(14, 20) });
    const old = summary({ id: 'c', title: 'Old call', createdAt: Date.UTC(2025, 0, 15, 12) });
    setup({ 'library:list': () => ok({ items: [later, morning, old], total: 3 }) });
    const table = await screen.findByRole('table', { name: 'Transcripts' });
    const dateOf = (name: string) =>
      within(table).getByRole('row', { name: new RegExp(name, 'u') }).children[1]!;
    expect(dateOf('Morning call').textContent).toBe(formatRecent(morning.createdAt, now));
    expect(dateOf('Morning call').textContent).not.toBe(formatDay(now));
    expect(dateOf('Morning call').textContent).not.toBe(dateOf('Second call').textContent);
    expect(dateOf('Old call').textContent).toBe(formatDay(old.createdAt));
    expect(dateOf('Old call').getAttribute('title')).toBe(formatDateTime(old.createdAt));
  });

  it('an empty library leads to where transcripts come from', async () => {
    setup({ 'library:list': () => ok({ items: [], total: 0 }) });
    const main = screen.getByRole('main');
    await within(main).findByText('No transcripts yet');
    fireEvent.click(within(main).getByRole('button', { name: 'Record a meeting' }));
    expect(useAppStore.getState().view).toBe('record');
    fireEvent.click(screen.getByRole('button', { name: 'Library' }));
    fireEvent.click(
      await within(screen.getByRole('main')).findByRole('button', { name: 'Transcribe a file' }),
    );
    expect(useAppStore.getState().view).toBe('transcribe');
  });

  it('sorts by a column header, toggling the direction on a second click', async () => {
    const fake = setup();
    await screen.findByRole('table', { name: 'Transcripts' });
    const title = screen.getByRole('button', { name: 'Title' });
    fireEvent.click(title);
    await waitFor(() => expect(title.closest('th')?.getAttribute('aria-sort')).toBe('ascending'));
    fireEvent.click(title);
    await waitFor(() => expect(title.closest('th')?.getAttribute('aria-sort')).toBe('descending'));
    const lists = calls(fake, 'library:list').filter((p) => (p as { limit: number }).limit > 100);
    expect(lists.slice(-2)).toEqual([
      { sort: 'title', direction: 'asc', limit: 500 },
      { sort: 'title', direction: 'desc', limit: 500 },
    ]);
  });

  it('renames inline: Enter saves through library:rename, focus returns to Rename', async () => {
    const fake = setup();
    await screen.findByRole('table', { name: 'Transcripts' });
    fireEvent.click(screen.getByRole('button', { name: 'Rename Standup' }));
    const input = screen.getByRole('textbox', { name: 'New title for Standup' });
    fireEvent.change(input, { target: { value: 'Daily standup' } });
    fireEvent.submit(input.closest('form') as HTMLFormElement);
    expect(await screen.findByRole('button', { name: 'Daily standup' })).toBeTruthy();
    expect(calls(fake, 'library:rename')).toEqual([{ id: 't2', title: 'Daily standup' }]);
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename Daily standup' })),
    );
  });

  it('Escape cancels a rename without asking main', async () => {
    const fake = setup();
    await screen.findByRole('table', { name: 'Transcripts' });
    fireEvent.click(screen.getByRole('button', { name: 'Rename Standup' }));
    fireEvent.keyDown(screen.getByRole('textbox', { name: 'New title for Standup' }), { key: 'Escape' });
    expect(screen.queryByRole('textbox', { name: 'New title for Standup' })).toBeNull();
    expect(calls(fake, 'library:rename')).toEqual([]);
  });

  it('delete removes the row and offers Undo, which restores it', async () => {
    const fake = setup();
    await screen.findByRole('table', { name: 'Transcripts' });
    // it was open in the Transcript view before
    act(() => useAppStore.setState({ transcript: { id: 't1', nonce: 1 } }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete Weekly sync' }));
    const toast = await screen.findByText('Deleted “Weekly sync”.');
    expect(screen.queryByRole('button', { name: 'Weekly sync' })).toBeNull();
    expect(useAppStore.getState().transcript).toBeNull();
    const undo = within(toast.closest('[role="status"]') as HTMLElement).getByRole('button', {
      name: 'Undo',
    });
    expect(document.activeElement).toBe(undo);
    fireEvent.click(undo);
    expect(await screen.findByRole('button', { name: 'Weekly sync' })).toBeTruthy();
    expect(calls(fake, 'library:delete')).toEqual([{ id: 't1' }]);
    expect(calls(fake, 'library:restore')).toEqual([{ id: 't1' }]);
    expect(screen.queryByText('Deleted “Weekly sync”.')).toBeNull();
  });

  it('search is debounced, and renders hit parts in <mark> as text, never as HTML', async () => {
    vi.useFakeTimers();
    const fake = setup();
    await act(async () => undefined);
    const box = screen.getByRole('searchbox', { name: 'Search transcripts' });
    fireEvent.change(box, { target: { value: 'bu' } });
    fireEvent.change(box, { target: { value: 'budget' } });
    await act(async () => vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS - 50));
    expect(calls(fake, 'library:search')).toEqual([]);
    await act(async () => vi.advanceTimersByTime(50));
    expect(calls(fake, 'library:search')).toEqual([{ query: 'budget', limit: 100 }]);
    const results = screen.getByRole('list', { name: 'Search results' });
    const marks = results.querySelectorAll('mark');
    expect([...marks].map((m) => m.textContent)).toEqual(['budget']);
    expect(results.querySelector('b')).toBeNull();
    expect(results.textContent).toContain('is <b>late</b> again');
    expect(screen.getByText('1 match for “budget”').getAttribute('role')).toBe('status');
  });

  it('opening a hit shows the transcript at that time and seeks playback there', async () => {
    setup();
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search transcripts' }), {
      target: { value: 'budget' },
    });
    const hit = await screen.findByRole('button', { name: /Weekly sync\s*0:12/ });
    fireEvent.click(hit);
    expect(useAppStore.getState().transcript).toMatchObject({ id: 't1', atSec: 12 });
    expect(await screen.findByRole('heading', { name: 'Weekly sync', level: 1 })).toBeTruthy();
    await waitFor(() => expect(usePlaybackStore.getState().timeSec).toBe(12));
    expect(usePlaybackStore.getState().currentId).toBe('s1');
  });
});
