/**
 * Electron main-process entry (built to out/main/index.js). Only wiring lives here: every decision is in a plain
 * module (security.ts, ipc.ts, menu.ts, window.ts, services.ts) that the tests exercise without Electron.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BrowserWindow,
  Menu,
  app,
  dialog,
  ipcMain,
  nativeTheme,
  net,
  protocol,
  session,
  shell,
  type WebContents,
} from 'electron';
import type { EventChannel, EventPayload } from '../../common/ipc-contract';
import { utilityTransportFactory } from './engine-utility-transport';
import { checkEvent, registerIpc } from './ipc';
import { buildMenuTemplate } from './menu';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  APP_SCHEME,
  HELP_URL,
  ISSUES_URL,
  isPermissionAllowed,
  isPermissionCheckAllowed,
  originOf,
  resolveAppAsset,
  type InvokeEventLike,
} from './security';
import { createAppServices } from './services';
import { hardenWebContents, secureWindowOptions } from './window';

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);
app.enableSandbox();

const outDir = import.meta.dirname; // out/main
const preloadPath = path.join(outDir, '../preload/index.cjs');
const rendererDir = path.join(outDir, '../renderer');
const engineWorkerPath = path.join(outDir, 'engine-worker.js');
// electron-vite dev sets ELECTRON_RENDERER_URL to the Vite server; a packaged app never trusts it.
const devUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];
const devOrigin = originOf(devUrl);
const trustedOrigins = devOrigin ? [APP_ORIGIN, devOrigin] : [APP_ORIGIN];
const windows = new Set<BrowserWindow>();

function broadcast<E extends EventChannel>(channel: E, payload: EventPayload<E>): void {
  const checked = checkEvent(channel, payload);
  if (!checked.ok) {
    console.error(`refusing to send malformed ${channel} event: ${checked.problem}`);
    return;
  }
  for (const win of windows) if (!win.isDestroyed()) win.webContents.send(channel, checked.value);
}

function isOurContents(event: InvokeEventLike): boolean {
  const sender = (event as { sender?: WebContents }).sender;
  return [...windows].some((w) => !w.isDestroyed() && w.webContents === sender);
}

function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow(secureWindowOptions(preloadPath));
  windows.add(win);
  win.on('closed', () => windows.delete(win));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(devUrl ?? APP_ENTRY_URL);
  return win;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [win] = windows;
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  app.on('web-contents-created', (_event, contents) =>
    hardenWebContents(contents, (url) => void shell.openExternal(url)),
  );

  void app.whenReady().then(async () => {
    protocol.handle(APP_SCHEME, (request) => {
      const file = resolveAppAsset(request.url, rendererDir);
      if (!file) return new Response('Not found', { status: 404 });
      return net.fetch(pathToFileURL(file).toString());
    });
    session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
      callback(isPermissionAllowed(permission, details, trustedOrigins)),
    );
    session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
      isPermissionCheckAllowed(permission, requestingOrigin, details, trustedOrigins),
    );

    const services = createAppServices({
      userDataDir: app.getPath('userData'),
      createEngineTransport: utilityTransportFactory(engineWorkerPath),
      appInfo: () => ({
        name: app.getName(),
        version: app.getVersion(),
        platform: process.platform,
        arch: process.arch,
        versions: {
          electron: process.versions.electron,
          chrome: process.versions.chrome,
          node: process.versions.node,
        },
      }),
      trustedOrigins,
      isOurContents,
      showOpenAudioDialog: async (event) => {
        const sender = (event as { sender?: WebContents }).sender;
        const owner = sender ? BrowserWindow.fromWebContents(sender) : null;
        const options: Electron.OpenDialogOptions = {
          title: 'Add audio or video files',
          properties: ['openFile', 'multiSelections'],
          filters: [
            {
              name: 'Audio and video',
              extensions: ['wav', 'mp3', 'm4a', 'aac', 'flac', 'ogg', 'opus', 'webm', 'mp4', 'mkv', 'mov'],
            },
            { name: 'All files', extensions: ['*'] },
          ],
        };
        const result = owner
          ? await dialog.showOpenDialog(owner, options)
          : await dialog.showOpenDialog(options);
        return result.canceled ? [] : result.filePaths;
      },
      broadcast,
      onSettingsChanged: (next) => (nativeTheme.themeSource = next.theme),
      logError: (context, error) => console.error(`[${context}]`, error),
    });
    registerIpc(ipcMain, services.ipcDeps);
    nativeTheme.themeSource = (await services.settings.get()).theme;

    const addFilesFromMenu = async (): Promise<void> => {
      const result = await dialog.showOpenDialog({ properties: ['openFile', 'multiSelections'] });
      if (result.canceled) return;
      try {
        broadcast('files:added', { files: await services.files.register(result.filePaths) });
      } catch (error) {
        console.error('[menu:addFiles]', error);
      }
    };
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        buildMenuTemplate(
          {
            addFiles: () => void addFilesFromMenu(),
            openSettings: () => broadcast('app:navigate', { view: 'settings' }),
            openHelp: () => void shell.openExternal(HELP_URL),
            openIssues: () => void shell.openExternal(ISSUES_URL),
          },
          { platform: process.platform, appName: app.getName(), devTools: !app.isPackaged },
        ),
      ),
    );

    createMainWindow();
    services.engine.start().catch((error: unknown) => console.error('[engine]', error));

    app.on('activate', () => {
      if (windows.size === 0) createMainWindow();
    });
    app.on('before-quit', () => void services.engine.stop());
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
