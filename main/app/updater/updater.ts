/**
 * electron-updater wired to the policy (policy.ts): checks the GitHub releases in the background when allowed,
 * downloads what it finds, and installs it when the app quits — but only while nothing runs: a transcription or a
 * recording in progress keeps a downloaded update waiting (autoInstallOnAppQuit follows the app's activity).
 * Never restarts the app by itself. The updater object is injected so the wiring is tested without Electron.
 */
import {
  CHECK_INTERVAL_MS,
  FIRST_CHECK_DELAY_MS,
  canApplyNow,
  nextUpdateState,
  shouldCheck,
  type AppActivity,
  type UpdateEnvironment,
  type UpdateEvent,
  type UpdateState,
} from './policy';

/** The part of electron-updater's AppUpdater we use. */
export interface AutoUpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  on(event: string, listener: (arg: unknown) => void): unknown;
  checkForUpdates(): Promise<unknown>;
}

export interface UpdaterDeps {
  updater: AutoUpdaterLike;
  env: UpdateEnvironment;
  /** The user's setting (Settings → autoUpdate), read before every check. */
  autoUpdate: () => Promise<boolean>;
  activity: () => AppActivity;
  onState?: (s: UpdateState) => void;
  log?: (message: string) => void;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clear?: (handle: unknown) => void;
}

export interface Updater {
  state(): UpdateState;
  /** Runs a check now (Help → Check for Updates…); resolves with the decision's reason when it does not check. */
  checkNow(): Promise<string | undefined>;
  /** The app started or finished a job or a recording: a waiting update may now be installed at quit, or not. */
  activityChanged(): void;
  stop(): void;
}

const versionOf = (info: unknown): string =>
  typeof info === 'object' && info !== null && typeof (info as { version?: unknown }).version === 'string'
    ? (info as { version: string }).version
    : 'unknown';

export function startUpdater(deps: UpdaterDeps): Updater {
  const { updater } = deps;
  const log = deps.log ?? (() => undefined);
  let state: UpdateState = { state: 'idle' };
  const set = (e: UpdateEvent): void => {
    state = nextUpdateState(state, e, deps.activity());
    // a downloaded update is installed at quit only while nothing runs
    updater.autoInstallOnAppQuit = state.state === 'ready' && state.waitingFor === undefined;
    deps.onState?.(state);
  };
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = false;
  updater.on('checking-for-update', () => set({ type: 'checking' }));
  updater.on('update-available', (info) => set({ type: 'available', version: versionOf(info) }));
  updater.on('update-not-available', () => set({ type: 'none' }));
  updater.on('download-progress', (p) =>
    set({ type: 'progress', percent: Number((p as { percent?: unknown })?.percent) || 0 }),
  );
  updater.on('update-downloaded', (info) => set({ type: 'downloaded', version: versionOf(info) }));
  updater.on('error', (err) =>
    set({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );

  const checkNow = async (): Promise<string | undefined> => {
    const d = shouldCheck(deps.env, await deps.autoUpdate());
    if (!d.check) {
      log(`updates: not checking (${d.reason})`);
      return d.reason;
    }
    try {
      await updater.checkForUpdates();
    } catch (err) {
      // offline, rate-limited, no release yet: the next check tries again
      set({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
    return undefined;
  };

  const initial = shouldCheck(deps.env, true);
  const timers: unknown[] = [];
  if (initial.check) {
    const st = deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms).unref());
    const si = deps.setInterval ?? ((fn, ms) => setInterval(fn, ms).unref());
    timers.push(st(() => void checkNow(), FIRST_CHECK_DELAY_MS));
    timers.push(si(() => void checkNow(), CHECK_INTERVAL_MS));
  } else {
    state = { state: 'off', reason: initial.reason };
    deps.onState?.(state);
  }

  return {
    state: () => state,
    checkNow,
    activityChanged: () => set({ type: 'activity', activity: deps.activity() }),
    stop: () => {
      const clear = deps.clear ?? ((h: unknown) => clearTimeout(h as NodeJS.Timeout));
      for (const t of timers) clear(t);
    },
  };
}

/** Whether a downloaded update would be installed if the app quit now (for the Help menu's label). */
export function installsAtQuit(s: UpdateState, activity: AppActivity): boolean {
  return s.state === 'ready' && canApplyNow(activity).apply;
}
