import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { AppActivity, UpdateEnvironment } from './policy';
import { startUpdater, type AutoUpdaterLike } from './updater';

class FakeUpdater extends EventEmitter implements AutoUpdaterLike {
  autoDownload = false;
  autoInstallOnAppQuit = true;
  checks = 0;
  checkForUpdates(): Promise<unknown> {
    this.checks++;
    return Promise.resolve(null);
  }
}

const env: UpdateEnvironment = { packaged: true, platform: 'darwin', appImage: false, disabledByEnv: false };

function setup(opts: { autoUpdate?: boolean; env?: UpdateEnvironment } = {}) {
  const updater = new FakeUpdater();
  const activity: AppActivity = { runningJobs: 0, recording: false };
  const timers: { fn: () => void; ms: number }[] = [];
  const u = startUpdater({
    updater,
    env: opts.env ?? env,
    autoUpdate: async () => opts.autoUpdate ?? true,
    activity: () => activity,
    setTimeout: (fn, ms) => timers.push({ fn, ms }),
    setInterval: (fn, ms) => timers.push({ fn, ms }),
    clear: () => undefined,
  });
  return { updater, activity, timers, u };
}

describe('startUpdater', () => {
  it('downloads in the background and installs at quit only while nothing runs', async () => {
    const { updater, activity, timers, u } = setup();
    expect(updater.autoDownload).toBe(true);
    expect(updater.autoInstallOnAppQuit).toBe(false);
    expect(timers.map((t) => t.ms)).toEqual([30_000, 6 * 60 * 60 * 1000]);
    timers[0]!.fn();
    await Promise.resolve();
    expect(updater.checks).toBe(1);
    activity.runningJobs = 1;
    updater.emit('update-available', { version: '0.2.0' });
    updater.emit('update-downloaded', { version: '0.2.0' });
    expect(u.state()).toEqual({ state: 'ready', version: '0.2.0', waitingFor: '1 transcription is running' });
    expect(updater.autoInstallOnAppQuit).toBe(false);
    activity.runningJobs = 0;
    activity.recording = true;
    u.activityChanged();
    expect(updater.autoInstallOnAppQuit).toBe(false);
    activity.recording = false;
    u.activityChanged();
    expect(u.state()).toEqual({ state: 'ready', version: '0.2.0' });
    expect(updater.autoInstallOnAppQuit).toBe(true);
  });

  it('does not check when the user turned updates off, and says why', async () => {
    const { updater, u } = setup({ autoUpdate: false });
    expect(await u.checkNow()).toBe('turned off in Settings');
    expect(updater.checks).toBe(0);
  });

  it('is off in a development build: no timers, no checks', async () => {
    const { updater, timers, u } = setup({ env: { ...env, packaged: false } });
    expect(timers).toEqual([]);
    expect(u.state()).toEqual({ state: 'off', reason: 'development build' });
    expect(await u.checkNow()).toBe('development build');
    expect(updater.checks).toBe(0);
  });

  it('a failed check is an error state, not a crash', async () => {
    const { updater, u } = setup();
    updater.checkForUpdates = () => Promise.reject(new Error('net::ERR_INTERNET_DISCONNECTED'));
    await u.checkNow();
    expect(u.state()).toEqual({ state: 'error', message: 'net::ERR_INTERNET_DISCONNECTED' });
  });
});
