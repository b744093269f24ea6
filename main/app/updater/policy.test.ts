import { describe, expect, it } from 'vitest';
import {
  canApplyNow,
  nextUpdateState,
  shouldCheck,
  type UpdateEnvironment,
  type UpdateState,
} from './policy';

const env: UpdateEnvironment = { packaged: true, platform: 'win32', appImage: false, disabledByEnv: false };
const idle = { runningJobs: 0, recording: false };

describe('update policy', () => {
  it('checks only in a packaged build, when the user has not turned it off, and where the app can replace itself', () => {
    expect(shouldCheck(env, true)).toEqual({ check: true });
    expect(shouldCheck(env, false)).toEqual({ check: false, reason: 'turned off in Settings' });
    expect(shouldCheck({ ...env, packaged: false }, true)).toEqual({
      check: false,
      reason: 'development build',
    });
    expect(shouldCheck({ ...env, disabledByEnv: true }, true).check).toBe(false);
    expect(shouldCheck({ ...env, platform: 'linux' }, true)).toMatchObject({ check: false });
    expect(shouldCheck({ ...env, platform: 'linux', appImage: true }, true)).toEqual({ check: true });
  });

  it('never applies during a running job or a recording', () => {
    expect(canApplyNow(idle)).toEqual({ apply: true });
    expect(canApplyNow({ runningJobs: 1, recording: false })).toEqual({
      apply: false,
      wait: '1 transcription is running',
    });
    expect(canApplyNow({ runningJobs: 2, recording: false })).toEqual({
      apply: false,
      wait: '2 transcriptions are running',
    });
    expect(canApplyNow({ runningJobs: 0, recording: true })).toEqual({
      apply: false,
      wait: 'a recording is in progress',
    });
  });

  it('a downloaded update waits while the app is busy and becomes applicable once it is idle', () => {
    const busy = { runningJobs: 1, recording: false };
    let s: UpdateState = { state: 'idle' };
    s = nextUpdateState(s, { type: 'checking' }, busy);
    s = nextUpdateState(s, { type: 'available', version: '0.2.0' }, busy);
    expect(s).toEqual({ state: 'downloading', version: '0.2.0', percent: 0 });
    s = nextUpdateState(s, { type: 'progress', percent: 140 }, busy);
    expect(s).toEqual({ state: 'downloading', version: '0.2.0', percent: 100 });
    s = nextUpdateState(s, { type: 'downloaded', version: '0.2.0' }, busy);
    expect(s).toEqual({ state: 'ready', version: '0.2.0', waitingFor: '1 transcription is running' });
    s = nextUpdateState(s, { type: 'activity', activity: { runningJobs: 0, recording: true } }, busy);
    expect(s).toEqual({ state: 'ready', version: '0.2.0', waitingFor: 'a recording is in progress' });
    s = nextUpdateState(s, { type: 'activity', activity: idle }, busy);
    expect(s).toEqual({ state: 'ready', version: '0.2.0' });
  });

  it('activity changes alone do not invent an update, and a turned-off updater stays off', () => {
    expect(nextUpdateState({ state: 'idle' }, { type: 'activity', activity: idle }, idle)).toEqual({
      state: 'idle',
    });
    const off: UpdateState = { state: 'off', reason: 'turned off in Settings' };
    expect(nextUpdateState(off, { type: 'downloaded', version: '9' }, idle)).toBe(off);
  });
});
