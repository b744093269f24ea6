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
  desktopCapturer,
  dialog,
  globalShortcut,
  ipcMain,
  nativeTheme,
  net,
  protocol,
  session,
  shell,
  type WebContents,
} from 'electron';
import type { EventChannel, EventPayload } from '@common/ipc-contract';
import { RotorError } from '@common/errors';
import { RECORDING_PORT_CHANNEL } from '@common/ipc-channels';
import { utilityTransportFactory } from './engine-utility-transport';
import { MEDIA_EXTENSIONS } from '@common/media-extensions';
import { MEDIA_SCHEME, mediaUrlFor } from './media-protocol';
import { checkEvent, registerIpc } from './ipc';
import { RELEASES_URL } from './links';
import { buildMenuTemplate } from './menu';
import { createOpenFiles, mediaPathsFromArgv } from './open-files';
import { acceptRecordingPort, chunkPortOf } from './recording-port';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  APP_SCHEME,
  HELP_URL,
  ISSUES_URL,
  appResponseHeaders,
  createPermissionHandlers,
  originOf,
  resolveAppAsset,
  type InvokeEventLike,
} from './security';
import { securePrivateData, usePrivateUmask } from '../fs/private-files';
import { createAppServices } from './services';
import { startAppUpdater } from './updater/wire';
import { hardenWebContents, secureWindowOptions } from './window';

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  // Playback of a transcript's recording by opaque token (main/app/media-protocol.ts); media elements need `stream`.
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);
app.enableSandbox();
// Before anything is written: every file this process and the engine create is user-only (main/fs/private-files.ts).
usePrivateUmask();

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

function isOurWindow(contents: WebContents | null | undefined): boolean {
  return contents != null && [...windows].some((w) => !w.isDestroyed() && w.webContents === contents);
}

function isOurContents(event: InvokeEventLike): boolean {
  return isOurWindow((event as { sender?: WebContents }).sender);
}

function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow(secureWindowOptions(preloadPath));
  windows.add(win);
  win.on('closed', () => windows.delete(win));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(devUrl ?? APP_ENTRY_URL);
  return win;
}

// audio files the system asks us to open (file associations): the first instance's arguments, a second instance's,
// and macOS's open-file events, queued once the job service runs
const openFiles = createOpenFiles();
openFiles.open(mediaPathsFromArgv(process.argv.slice(1), process.cwd()));
app.on('open-file', (event, file) => {
  event.preventDefault();
  openFiles.open(mediaPathsFromArgv([file], process.cwd()));
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, workingDirectory) => {
    openFiles.open(mediaPathsFromArgv(argv.slice(1), workingDirectory));
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
    protocol.handle(APP_SCHEME, async (request) => {
      const file = resolveAppAsset(request.url, rendererDir);
      if (!file) return new Response('Not found', { status: 404 });
      const response = await net.fetch(pathToFileURL(file).toString());
      // pages get the CSP as a header too: it says what the meta tag cannot (no frames)
      const headers = new Headers(response.headers);
      for (const [name, value] of Object.entries(appResponseHeaders(file))) headers.set(name, value);
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    });
    // the microphone for our window's top frame only (security.ts); every other permission is refused
    const permissions = createPermissionHandlers<WebContents>({ trustedOrigins, isOurContents: isOurWindow });
    session.defaultSession.setPermissionRequestHandler(permissions.request);
    session.defaultSession.setPermissionCheckHandler(permissions.check);

    const ownerOf = (event: InvokeEventLike): BrowserWindow | null => {
      const sender = (event as { sender?: WebContents }).sender;
      return sender ? BrowserWindow.fromWebContents(sender) : null;
    };
    const openDialog = async (
      event: InvokeEventLike,
      options: Electron.OpenDialogOptions,
    ): Promise<string[]> => {
      const owner = ownerOf(event);
      const result = owner
        ? await dialog.showOpenDialog(owner, options)
        : await dialog.showOpenDialog(options);
      return result.canceled ? [] : result.filePaths;
    };
    const mediaFilter = { name: 'Audio and video', extensions: [...MEDIA_EXTENSIONS] };

    // Start/stop from anywhere; the window owns the capture, so main only tells it.
    const RECORDING_ACCELERATOR = 'CommandOrControl+Shift+R';
    let recordingShortcut: string | null = null;
    let services: ReturnType<typeof createAppServices>;
    try {
      // what an older version left readable, and temp files of writes a crash cut short
      const privacy = await securePrivateData(app.getPath('userData'));
      if (privacy.tightened.length + privacy.removedTemps.length > 0) {
        console.info(
          `user data: ${privacy.tightened.length} entries made user-only, ${privacy.removedTemps.length} stale temp files removed`,
        );
      }
      services = createAppServices({
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
        showOpenAudioDialog: (event) =>
          openDialog(event, {
            title: 'Add audio or video files',
            properties: ['openFile', 'multiSelections'],
            filters: [mediaFilter, { name: 'All files', extensions: ['*'] }],
          }),
        showOpenFolderDialog: (event) =>
          openDialog(event, { title: 'Add a folder of recordings', properties: ['openDirectory'] }),
        showSaveDialog: async (event, { defaultName, format }) => {
          const owner = ownerOf(event);
          const options: Electron.SaveDialogOptions = {
            title: 'Export transcript',
            defaultPath: path.join(app.getPath('documents'), defaultName),
            filters: [{ name: format.toUpperCase(), extensions: [format] }],
          };
          const result = owner
            ? await dialog.showSaveDialog(owner, options)
            : await dialog.showSaveDialog(options);
          return result.canceled ? undefined : result.filePath;
        },
        mediaUrlFor,
        broadcast,
        revealFile: (file) => shell.showItemInFolder(file),
        showOpenModelDialog: (event) =>
          openDialog(event, {
            title: 'Import the Voxtral model and its audio encoder (two GGUF files)',
            properties: ['openFile', 'multiSelections'],
            filters: [{ name: 'GGUF model files', extensions: ['gguf'] }],
          }),
        recordingShortcut: () => recordingShortcut,
        onSettingsChanged: (next) => (nativeTheme.themeSource = next.theme),
        logError: (context, error) => console.error(`[${context}]`, error),
      });
    } catch (error) {
      // A library from a newer version or a damaged one: say so and leave the file as it is.
      const e = error instanceof RotorError ? error : new RotorError('INTERNAL', undefined, { cause: error });
      dialog.showErrorBox(
        'RotorScribe cannot open its library',
        [e.message, e.hint].filter(Boolean).join('\n\n'),
      );
      app.exit(1);
      return;
    }
    const appServices = services;
    protocol.handle(MEDIA_SCHEME, (request) => {
      const r = appServices.libraryService.serveMedia(request);
      return new Response(r.body, { status: r.status, headers: r.headers });
    });
    registerIpc(ipcMain, services.ipcDeps);
    ipcMain.on(RECORDING_PORT_CHANNEL, (event, payload: unknown) => {
      acceptRecordingPort(
        {
          senderFrame: event.senderFrame,
          sender: event.sender,
          ports: event.ports.map(chunkPortOf),
        } as Parameters<typeof acceptRecordingPort>[0],
        payload,
        {
          isTrustedSender: appServices.ipcDeps.isTrustedSender,
          attachPort: (id, port) => appServices.recording.attachPort(id, port),
          logError: (context, error) => console.error(`[${context}]`, error),
        },
      );
    });
    if (
      globalShortcut.register(RECORDING_ACCELERATOR, () =>
        broadcast('recording:shortcut', { action: 'toggle' }),
      )
    )
      recordingShortcut = process.platform === 'darwin' ? '⌘⇧R' : 'Ctrl+Shift+R';
    app.on('will-quit', () => globalShortcut.unregisterAll());
    // System audio for a recording: the screen-capture request of our own window gets loopback audio where the OS
    // has it (Windows, macOS 13+); Linux records a PulseAudio/PipeWire monitor input instead (recording-wiring.ts).
    if (services.recording.capabilities().systemAudio === 'loopback') {
      session.defaultSession.setDisplayMediaRequestHandler((request, callback) => {
        if (!trustedOrigins.includes(originOf(request.securityOrigin) ?? '')) {
          callback({});
          return;
        }
        void desktopCapturer
          .getSources({ types: ['screen'] })
          .then((sources) => callback(sources[0] ? { video: sources[0], audio: 'loopback' } : {}))
          .catch(() => callback({}));
      });
    }
    nativeTheme.themeSource = (await services.settings.get()).theme;

    const addFilesFromMenu = async (): Promise<void> => {
      const result = await dialog.showOpenDialog({
        properties: ['openFile', 'multiSelections'],
        filters: [mediaFilter, { name: 'All files', extensions: ['*'] }],
      });
      if (result.canceled) return;
      try {
        await services.jobs.add(result.filePaths);
        broadcast('app:navigate', { view: 'transcribe' });
      } catch (error) {
        console.error('[menu:addFiles]', error);
      }
    };
    // never applied while a job runs or a recording is open: the queue and the recorder tell it when that changes
    const activity = () => ({
      runningJobs: services.jobs.list().filter((j) => j.state === 'running' || j.state === 'probing').length,
      recording: services.recording.status().phase !== 'idle',
    });
    const updater = await startAppUpdater({
      packaged: app.isPackaged,
      autoUpdate: async () => (await services.settings.get()).autoUpdate,
      activity,
      log: (message) => console.info(message),
    }).catch((error: unknown) => {
      console.error('[updates]', error);
      return undefined;
    });
    if (updater) {
      const poll = setInterval(() => updater.activityChanged(), 5_000);
      poll.unref();
    }
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        buildMenuTemplate(
          {
            addFiles: () => void addFilesFromMenu(),
            openSettings: () => broadcast('app:navigate', { view: 'settings' }),
            openHelp: () => void shell.openExternal(HELP_URL),
            openIssues: () => void shell.openExternal(ISSUES_URL),
            openReleaseNotes: () => void shell.openExternal(RELEASES_URL),
            ...(updater ? { checkForUpdates: () => void updater.checkNow() } : {}),
          },
          { platform: process.platform, appName: app.getName(), devTools: !app.isPackaged },
        ),
      ),
    );

    createMainWindow();
    services.engine.start().catch((error: unknown) => console.error('[engine]', error));
    services.jobs
      .start()
      .then(() =>
        openFiles.ready((paths) => {
          services.jobs
            .add(paths)
            .then(() => broadcast('app:navigate', { view: 'transcribe' }))
            .catch((error: unknown) => console.error('[open-file]', error));
        }),
      )
      .catch((error: unknown) => console.error('[jobs]', error));

    app.on('activate', () => {
      if (windows.size === 0) createMainWindow();
    });
    // The running job is handed back to the queue (resumable from its last window) before the engine stops.
    let disposed = false;
    app.on('before-quit', (event) => {
      if (disposed) return;
      event.preventDefault();
      disposed = true;
      void services
        .dispose()
        .catch((error: unknown) => console.error('[quit]', error))
        .finally(() => app.quit());
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
