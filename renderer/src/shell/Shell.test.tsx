import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IDLE_HANDLERS, ok, summary } from '../test-fixtures';
import { installFakeApi, removeFakeApi, resetStores } from '../test-support';
import { useAppStore } from './app-store';
import { Shell } from './Shell';

const info = {
  name: 'RotorScribe',
  version: '0.1.0',
  platform: 'linux',
  arch: 'x64',
  versions: { electron: '45.5.0', chrome: '156.0', node: '24.9.0' },
};

beforeEach(() => resetStores());
afterEach(() => {
  cleanup();
  removeFakeApi();
});

describe('Shell', () => {
  it('has landmarks, a skip link first in tab order, and the recent transcripts empty state', async () => {
    installFakeApi({ ...IDLE_HANDLERS, 'app:getInfo': () => ({ ok: true, value: info }) });
    render(<Shell />);
    expect(screen.getByRole('banner')).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Primary' })).toBeTruthy();
    const sidebar = screen.getByRole('complementary', { name: 'Recent transcripts' });
    expect(within(sidebar).getByText('No transcripts yet')).toBeTruthy();
    expect(screen.getByRole('main')).toBeTruthy();
    const links = screen.getAllByRole('link');
    expect(links[0]?.textContent).toBe('Skip to main content');
    expect(links[0]?.getAttribute('href')).toBe('#main');
    expect(await screen.findByText('v0.1.0 · Electron 45.5.0')).toBeTruthy();
  });

  it('Engine status: pings through window.api and shows the reply', async () => {
    const fake = installFakeApi({
      'engine:ping': (p) => ({
        ok: true,
        value: { echo: (p as { echo: string }).echo, pid: 777, roundTripMs: 2.25 },
      }),
    });
    render(<Shell />);
    fireEvent.click(screen.getByRole('button', { name: 'Engine status' }));
    expect(await screen.findByText('Engine ready · pid 777 · 2.3 ms')).toBeTruthy();
    expect(fake.api.invoke).toHaveBeenCalledWith('engine:ping', { echo: 'status' });
  });

  it('Engine status: shows a typed error with its hint', async () => {
    installFakeApi({
      'engine:ping': () => ({
        ok: false,
        error: { code: 'ENGINE_CRASHED', message: 'The engine stopped.', hint: 'Try again.' },
      }),
    });
    render(<Shell />);
    fireEvent.click(screen.getByRole('button', { name: 'Engine status' }));
    const status = await screen.findByText(/Engine unavailable/);
    expect(status.textContent).toBe('Engine unavailable: The engine stopped. Try again.');
  });

  it('Engine status: shows crashes and restarts pushed by main', async () => {
    const fake = installFakeApi({
      'engine:ping': () => ({ ok: true, value: { echo: 'status', pid: 5, roundTripMs: 1 } }),
    });
    render(<Shell />);
    act(() => fake.emit('engine:event', { kind: 'status', state: 'ready', restarts: 0, pid: 5 }));
    expect(screen.getByRole('status').textContent).toBe('Engine ready');
    fireEvent.click(screen.getByRole('button', { name: 'Engine status' }));
    await screen.findByText(/pid 5/);
    act(() => fake.emit('engine:event', { kind: 'status', state: 'restarting', restarts: 1 }));
    expect(screen.getByRole('status').textContent).toBe('Engine restarting after a crash (restart 1)…');
    act(() => fake.emit('engine:event', { kind: 'status', state: 'ready', restarts: 1, pid: 6 }));
    expect(screen.getByRole('status').textContent).toBe('Engine ready');
  });

  it('says so when opened outside the app (no window.api)', async () => {
    removeFakeApi();
    render(<Shell />);
    // the queue says so as soon as it asks main for its jobs
    expect((await screen.findByRole('alert')).textContent).toMatch(/not connected to its main process/);
    fireEvent.click(screen.getByRole('button', { name: 'Engine status' }));
    await waitFor(() =>
      expect(screen.getByRole('status').textContent).toMatch(/Engine unavailable: .*not connected/),
    );
  });

  it('navigates by button and by the app menu event, focusing the main area', async () => {
    const fake = installFakeApi(IDLE_HANDLERS);
    render(<Shell />);
    const nav = screen.getByRole('navigation', { name: 'Primary' });
    // no transcript open yet: nothing to navigate to
    expect(within(nav).queryByRole('button', { name: 'Transcript' })).toBeNull();
    fireEvent.click(within(nav).getByRole('button', { name: 'Settings' }));
    expect(screen.getByRole('heading', { name: 'Settings', level: 1 })).toBeTruthy();
    expect(within(nav).getByRole('button', { name: 'Settings' }).getAttribute('aria-current')).toBe('page');
    expect(document.activeElement).toBe(screen.getByRole('main'));
    fireEvent.click(within(nav).getByRole('button', { name: 'Library' }));
    expect(screen.getByRole('heading', { name: 'Library', level: 1 })).toBeTruthy();
    fireEvent.click(within(nav).getByRole('button', { name: 'Transcribe' }));
    expect(screen.getByRole('heading', { name: 'Transcribe', level: 1 })).toBeTruthy();
    act(() => fake.emit('app:navigate', { view: 'settings' }));
    expect(screen.getByRole('heading', { name: 'Settings', level: 1 })).toBeTruthy();
    act(() => fake.emit('app:navigate', { view: 'library' }));
    expect(screen.getByRole('heading', { name: 'Library', level: 1 })).toBeTruthy();
  });

  it('the sidebar lists recent transcripts and opens one in the Transcript view', async () => {
    const t = summary({ id: 't-recent', title: 'Board meeting' });
    const fake = installFakeApi({
      ...IDLE_HANDLERS,
      'library:list': () => ok({ items: [t], total: 1 }),
      'library:get': () =>
        ok({
          summary: t,
          transcript: {
            version: 1,
            meta: { title: t.title, source: { name: t.sourceName, durationSec: 125 } },
            segments: [],
          },
        }),
      'library:mediaUrl': () => ok({ url: null, reason: 'The recording was moved.' }),
    });
    render(<Shell />);
    const sidebar = screen.getByRole('complementary', { name: 'Recent transcripts' });
    fireEvent.click(await within(sidebar).findByRole('button', { name: /Board meeting/ }));
    expect(await screen.findByRole('heading', { name: 'Board meeting', level: 1 })).toBeTruthy();
    expect(fake.api.invoke).toHaveBeenCalledWith('library:get', { id: 't-recent' });
    const nav = screen.getByRole('navigation', { name: 'Primary' });
    expect(within(nav).getByRole('button', { name: 'Transcript' }).getAttribute('aria-current')).toBe('page');
    expect(useAppStore.getState().transcript?.id).toBe('t-recent');
    expect(document.activeElement).toBe(screen.getByRole('main'));
  });

  it('unsubscribes from events on unmount', () => {
    const fake = installFakeApi(IDLE_HANDLERS);
    const { unmount } = render(<Shell />);
    const channels = [
      'engine:event',
      'files:added',
      'queue:changed',
      'job:window',
      'library:changed',
      'app:navigate',
    ] as const;
    // the queue is followed by the queue view and by the transcript view (its re-transcriptions)
    for (const c of channels) expect(fake.listenerCount(c)).toBe(c === 'queue:changed' ? 2 : 1);
    unmount();
    for (const c of channels) expect(fake.listenerCount(c)).toBe(0);
  });
});
