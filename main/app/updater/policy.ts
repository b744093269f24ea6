/**
 * When the app may look for, download and apply an update (pure; main/app/updater/updater.ts does the I/O with
 * electron-updater). Rules: only a packaged build with a channel that can update itself looks; the user can turn it
 * off in settings; an update is never applied while a transcription runs or a recording is open: it waits for the app
 * to be idle (or for the user's own quit, when nothing is running by definition of quitting).
 */

export interface UpdateEnvironment {
  /** app.isPackaged: a development run has nothing to update. */
  packaged: boolean;
  platform: NodeJS.Platform;
  /** Linux: only the AppImage can replace itself (process.env.APPIMAGE is set); a deb is updated by the system. */
  appImage: boolean;
  /** ROTORSCRIBE_NO_UPDATE=1 (managed installs, tests). */
  disabledByEnv: boolean;
}

export interface AppActivity {
  /** Jobs the queue is running now (paused or waiting jobs do not count: nothing is lost by a restart). */
  runningJobs: number;
  recording: boolean;
}

export type CheckDecision = { check: true } | { check: false; reason: string };

export function shouldCheck(env: UpdateEnvironment, autoUpdate: boolean): CheckDecision {
  if (!env.packaged) return { check: false, reason: 'development build' };
  if (env.disabledByEnv) return { check: false, reason: 'turned off by ROTORSCRIBE_NO_UPDATE' };
  if (!autoUpdate) return { check: false, reason: 'turned off in Settings' };
  if (env.platform === 'linux' && !env.appImage) {
    return { check: false, reason: 'installed from a package: the system package manager updates it' };
  }
  return { check: true };
}

export type ApplyDecision = { apply: true } | { apply: false; wait: string };

/** A downloaded update is applied (quit and install) only when nothing would be interrupted. */
export function canApplyNow(activity: AppActivity): ApplyDecision {
  if (activity.recording) return { apply: false, wait: 'a recording is in progress' };
  if (activity.runningJobs > 0) {
    return {
      apply: false,
      wait: `${activity.runningJobs} transcription${activity.runningJobs === 1 ? ' is' : 's are'} running`,
    };
  }
  return { apply: true };
}

/** Time between checks: at start (after a delay so the first window is not slowed), then every few hours. */
export const FIRST_CHECK_DELAY_MS = 30_000;
export const CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;

export type UpdateState =
  | { state: 'off'; reason: string }
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'downloading'; version: string; percent: number }
  | { state: 'ready'; version: string; waitingFor?: string }
  | { state: 'error'; message: string };

export type UpdateEvent =
  | { type: 'checking' }
  | { type: 'available'; version: string }
  | { type: 'none' }
  | { type: 'progress'; percent: number }
  | { type: 'downloaded'; version: string }
  | { type: 'error'; message: string }
  | { type: 'activity'; activity: AppActivity };

/** The updater's state after an event; `activity` is what the app is doing now (for a downloaded update's wait). */
export function nextUpdateState(s: UpdateState, e: UpdateEvent, activity: AppActivity): UpdateState {
  if (s.state === 'off') return s;
  switch (e.type) {
    case 'checking':
      return { state: 'checking' };
    case 'available':
      return { state: 'downloading', version: e.version, percent: 0 };
    case 'none':
      return { state: 'idle' };
    case 'progress':
      return s.state === 'downloading' ? { ...s, percent: Math.max(0, Math.min(100, e.percent)) } : s;
    case 'downloaded':
    case 'activity': {
      const version = e.type === 'downloaded' ? e.version : s.state === 'ready' ? s.version : undefined;
      if (version === undefined) return s;
      const d = canApplyNow(e.type === 'activity' ? e.activity : activity);
      return d.apply ? { state: 'ready', version } : { state: 'ready', version, waitingFor: d.wait };
    }
    case 'error':
      return { state: 'error', message: e.message };
  }
}
