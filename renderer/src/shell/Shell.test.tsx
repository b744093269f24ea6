import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installFakeApi, removeFakeApi, resetStores } from '../test-support';
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
  it('has landmarks, a skip link first in tab order, and the library empty state', async () => {
    installFakeApi({ 'app:getInfo': () => ({ ok: true, value: info }) });
    render(<Shell />);
    expect(screen.getByRole('banner')).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Primary' })).toBeTruthy();
    const sidebar = screen.getByRole('complementary', { name: 'Library' });
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
    fireEvent.click(screen.getByRole('button', { name: 'Engine status' }));
    expect(await screen.findByText(/not connected to its main process/)).toBeTruthy();
  });

  it('navigates to settings by button and by the app menu event', async () => {
    const fake = installFakeApi();
    render(<Shell />);
    fireEvent.click(screen.getByRole('button', { name: 'Settings' }));
    expect(screen.getByRole('heading', { name: 'Settings', level: 1 })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Settings' }).getAttribute('aria-current')).toBe('page');
    expect(document.activeElement).toBe(screen.getByRole('main'));
    fireEvent.click(screen.getByRole('button', { name: 'Transcribe' }));
    expect(screen.getByRole('heading', { name: 'Transcribe', level: 1 })).toBeTruthy();
    act(() => fake.emit('app:navigate', { view: 'settings' }));
    expect(screen.getByRole('heading', { name: 'Settings', level: 1 })).toBeTruthy();
  });

  it('unsubscribes from events on unmount', () => {
    const fake = installFakeApi();
    const { unmount } = render(<Shell />);
    expect(fake.listenerCount('engine:event')).toBe(1);
    expect(fake.listenerCount('files:added')).toBe(1);
    unmount();
    expect(fake.listenerCount('engine:event')).toBe(0);
    expect(fake.listenerCount('files:added')).toBe(0);
  });
});

describe('Queue', () => {
  it('dropped files go through registerDroppedFiles and appear with their size', async () => {
    const fake = installFakeApi({
      'files:registerDropped': (p) => ({
        ok: true,
        value: {
          files: (p as { paths: string[] }).paths.map((path, i) => ({
            token: `token-000${i}`,
            name: path.split('/').pop() ?? '',
            sizeBytes: 3 * 1024 * 1024,
          })),
        },
      }),
    });
    render(<Shell />);
    expect(screen.getByText(/Nothing queued/)).toBeTruthy();
    const file = new File([new Uint8Array(10)], 'standup.m4a', { type: 'audio/mp4' });
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files: [file], types: ['Files'] } });
    const list = await screen.findByRole('list', { name: 'Queued files' });
    expect(within(list).getByText('standup.m4a')).toBeTruthy();
    expect(within(list).getByText('3.0 MB')).toBeTruthy();
    expect(fake.api.registerDroppedFiles).toHaveBeenCalledWith([file]);
    fireEvent.click(screen.getByRole('button', { name: 'Remove standup.m4a' }));
    expect(screen.getByText(/Nothing queued/)).toBeTruthy();
  });

  it('Add files… uses the main-process dialog; files added from the menu arrive as an event', async () => {
    const fake = installFakeApi({
      'dialog:openAudioFiles': () => ({
        ok: true,
        value: { files: [{ token: 'token-aaaa', name: 'interview.wav', sizeBytes: 2048 }] },
      }),
    });
    render(<Shell />);
    fireEvent.click(screen.getByRole('button', { name: 'Add files…' }));
    expect(await screen.findByText('interview.wav')).toBeTruthy();
    expect(fake.api.invoke).toHaveBeenCalledWith('dialog:openAudioFiles');
    act(() =>
      fake.emit('files:added', { files: [{ token: 'token-bbbb', name: 'lecture.mp3', sizeBytes: 512 }] }),
    );
    await waitFor(() => expect(screen.getByText('lecture.mp3')).toBeTruthy());
    expect(screen.getByText('512 B')).toBeTruthy();
  });

  it('shows a typed error as an alert', async () => {
    installFakeApi({
      'dialog:openAudioFiles': () => ({
        ok: false,
        error: { code: 'FILE_NOT_FOUND', message: 'The file does not exist or was moved.' },
      }),
    });
    render(<Shell />);
    fireEvent.click(screen.getByRole('button', { name: 'Add files…' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The file does not exist or was moved.');
  });
});
