/**
 * The updater in the running app: electron-updater (GitHub releases, see electron-builder.yml's publish) behind the
 * policy, reading the user's setting and the app's activity. electron-updater is loaded only where the policy lets
 * the app update itself, so a development run never touches it.
 */
import type { AppActivity, UpdateEnvironment, UpdateState } from './policy';
import { shouldCheck } from './policy';
import { startUpdater, type AutoUpdaterLike, type Updater } from './updater';

export interface AppUpdaterDeps {
  packaged: boolean;
  autoUpdate: () => Promise<boolean>;
  activity: () => AppActivity;
  onState?: (s: UpdateState) => void;
  log: (message: string) => void;
}

export function updateEnvironment(
  packaged: boolean,
  env: NodeJS.ProcessEnv = process.env,
): UpdateEnvironment {
  return {
    packaged,
    platform: process.platform,
    appImage: Boolean(env['APPIMAGE']),
    disabledByEnv: env['ROTORSCRIBE_NO_UPDATE'] === '1',
  };
}

/** Starts the updater, or returns undefined where this build cannot update itself (the reason is logged). */
export async function startAppUpdater(deps: AppUpdaterDeps): Promise<Updater | undefined> {
  const env = updateEnvironment(deps.packaged);
  const possible = shouldCheck(env, true);
  if (!possible.check) {
    deps.log(`updates: off (${possible.reason})`);
    return undefined;
  }
  const mod = (await import('electron-updater')) as unknown as {
    default?: { autoUpdater: AutoUpdaterLike };
    autoUpdater?: AutoUpdaterLike;
  };
  const updater = mod.autoUpdater ?? mod.default?.autoUpdater;
  if (!updater) {
    deps.log('updates: electron-updater has no autoUpdater here');
    return undefined;
  }
  const started = startUpdater({
    updater,
    env,
    autoUpdate: deps.autoUpdate,
    activity: deps.activity,
    log: deps.log,
    onState: (s) => {
      if (s.state === 'ready' || s.state === 'error') deps.log(`updates: ${JSON.stringify(s)}`);
      deps.onState?.(s);
    },
  });
  // electron-updater reads autoInstallOnAppQuit when the app quits: the app's activity is read once more just
  // before, so an update never installs over a job or a recording that began since the last activity poll
  const { app } = await import('electron');
  app.on('before-quit', () => started.activityChanged());
  return started;
}
