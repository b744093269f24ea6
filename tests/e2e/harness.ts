/**
 * End-to-end harness: the BUILT app minus the Electron binary.
 *
 *   Debian Chromium (playwright-core)          this Node process
 *   ─────────────────────────────────          ─────────────────────────────────────────────
 *   out/renderer over http://127.0.0.1   ──►   static server
 *   out/preload/index.cjs, evaluated by
 *   an init script with a fake
 *   require('electron')                  ──►   __ipcInvoke binding → fake ipcMain → REAL registerIpc
 *                                               handlers → REAL engine host → child process running
 *                                               the BUILT engine worker (out/main/engine-worker.js)
 *   window.api.on listeners              ◄──   broadcast (settings:changed, engine:event, …)
 *
 * What differs from Electron: contextBridge is a frozen global in the page's own world (no isolated world), and
 * the sender frame comes from Playwright's binding source. Everything from the preload bundle inward is the
 * shipped code. Feature e2e tests reuse `startApp` and `screenshot`.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, pipeline } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import type { EventChannel, EventPayload } from '@common/ipc-contract';
import { forkTransportFactory, workerFromBuild } from '../../main/engine/host/fork-transport';
import { checkEvent, registerIpc, type IpcMainLike, type IpcRegistration } from '../../main/app/ipc';
import type { InvokeEventLike } from '../../main/app/security';
import { createAppServices, type AppServices } from '../../main/app/services';
import { acceptRecordingPort } from '../../main/app/recording-port';
import type { ChunkPort } from '../../main/recording/service';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const OUT_DIR = path.join(REPO_ROOT, 'out');
export const SCREENSHOT_DIR = path.join(OUT_DIR, 'e2e');
export const CHROMIUM_PATH = process.env['ROTORSCRIBE_CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.onnx': 'application/octet-stream',
};

export interface IpcCall {
  channel: string;
  payload: unknown;
  senderUrl: string;
  subFrame: boolean;
  result: unknown;
}

export interface StartOptions {
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  /** Paths the fake native "Add files" dialog returns. */
  dialogPaths?: () => string[];
  /** Extra Chromium flags (e.g. fake microphone flags for recording tests). */
  extraArgs?: string[];
  /** Paths the fake "Add folder" dialog returns. */
  folderDialogPaths?: () => string[];
  /** Where the fake save dialog puts an export (undefined = the user cancelled). */
  savePath?: (defaultName: string) => string | undefined;
  /** An existing user data folder: a restart of the app on the same library and queue (kept at close). */
  userDataDir?: string;
  /** The engine's model configuration (ROTORSCRIBE_ENGINE / ROTORSCRIBE_MODEL / ROTORSCRIBE_MMPROJ). */
  env?: Record<string, string | undefined>;
  /** Job progress throttle (ms). */
  jobThrottleMs?: number;
  /** Serve this built renderer instead of out/renderer (a benchmark's baseline build). */
  rendererDir?: string;
}

export interface AppHarness {
  page: Page;
  context: BrowserContext;
  baseUrl: string;
  services: AppServices;
  registration: IpcRegistration;
  /** Every IPC call that reached "main", in order. */
  ipcCalls: IpcCall[];
  /** Every event main sent to the page (after the contract's check), in order. */
  broadcasts: { channel: string; payload: unknown }[];
  /** console errors, page errors and CSP violations seen in the page. */
  pageErrors: string[];
  /** Module names the preload asked `require` for (a sandboxed preload may only ask for 'electron'). */
  preloadRequires(): Promise<string[]>;
  /** Makes webUtils.getPathForFile answer `filePath` for a dropped File named `name` (what Electron does natively). */
  setDropPath(name: string, filePath: string): Promise<void>;
  /** Sends an event from "main" to the page, like webContents.send. */
  emit<E extends EventChannel>(channel: E, payload: EventPayload<E>): Promise<void>;
  /** Saves a PNG under out/e2e/ and returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

function requireBuilt(file: string): string {
  if (!existsSync(file)) {
    throw new Error(
      `${path.relative(REPO_ROOT, file)} is missing: run \`npm run build\` before the e2e tests.`,
    );
  }
  return file;
}

/** Where the harness serves media tokens: what the app's rotorscribe-media:// scheme is in Electron. */
const MEDIA_PREFIX = '/media/';

function serveStatic(root: string, media: { current?: AppServices }): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith(MEDIA_PREFIX) && media.current) {
      const token = url.pathname.slice(MEDIA_PREFIX.length);
      const headers: Record<string, string | undefined> = {};
      for (const [k, value] of Object.entries(req.headers))
        headers[k] = Array.isArray(value) ? value[0] : value;
      // The app's handler, reached the way Electron's protocol.handle reaches it (token in the host there).
      const r = media.current.libraryService.serveMedia({
        method: req.method ?? 'GET',
        url: `rotorscribe-media://${token}`,
        headers,
      });
      res.writeHead(r.status, r.headers);
      if (!r.body) {
        res.end();
        return;
      }
      // pipeline, not pipe: a media element aborts range requests all the time, and the body (an open file) must be
      // cancelled then, as Electron cancels a protocol response's stream, not left for the GC to close
      pipeline(Readable.fromWeb(r.body as WebReadableStream<Uint8Array>), res, () => undefined);
      return;
    }
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = path.resolve(root, '.' + rel);
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
        });
        res.end(body);
      },
      () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The init script: runs the real preload bundle with a fake `require('electron')` before any page script. */
function preloadShim(preloadSource: string): string {
  return `(() => {
  const requires = [];
  const listeners = new Map();
  const invokeBinding = (...args) => globalThis.__ipcInvoke(...args);
  const electron = {
    contextBridge: {
      exposeInMainWorld(key, value) {
        Object.defineProperty(globalThis, key, { value: Object.freeze(value), writable: false, configurable: false, enumerable: true });
      },
    },
    ipcRenderer: {
      invoke: (channel, ...args) => invokeBinding(channel, ...args),
      on(channel, listener) {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel).add(listener);
      },
      removeListener(channel, listener) {
        listeners.get(channel)?.delete(listener);
      },
      // A transferred MessagePort (a recording's audio): its messages are relayed to "main" in order.
      postMessage(channel, message, ports) {
        const port = ports && ports[0];
        if (!port) return;
        globalThis.__ipcPortOpen(channel, message).then((handle) => {
          if (handle === null) return port.close();
          port.onmessage = (e) => void globalThis.__ipcPortMessage(handle, e.data);
        });
      },
    },
    webUtils: {
      getPathForFile: (file) => (globalThis.__e2eDropPaths && globalThis.__e2eDropPaths[file.name]) || '',
    },
  };
  const require = (name) => {
    requires.push(name);
    if (name === 'electron') return electron;
    throw new Error('a sandboxed preload cannot require ' + name);
  };
  Object.defineProperty(globalThis, '__e2ePreloadRequires', { value: requires });
  Object.defineProperty(globalThis, '__e2eEmit', {
    value: (channel, payload) => listeners.get(channel)?.forEach((l) => l({ sender: null }, payload)),
  });
  const module = { exports: {} };
  (function (require, module, exports) {
${preloadSource}
  })(require, module, module.exports);
})();`;
}

export async function startApp(options: StartOptions = {}): Promise<AppHarness> {
  const rendererDir = path.dirname(
    requireBuilt(path.join(options.rendererDir ?? path.join(OUT_DIR, 'renderer'), 'index.html')),
  );
  const preloadSource = await readFile(requireBuilt(path.join(OUT_DIR, 'preload/index.cjs')), 'utf8');
  requireBuilt(path.join(OUT_DIR, 'main/engine-worker.js'));
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`);

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'rotorscribe-e2e-'));
  const mediaRef: { current?: AppServices } = {};
  const server = await serveStatic(rendererDir, mediaRef);
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Set once the browser is up; main-side broadcasts before that have no page to reach.
  const pageRef: { current?: Page } = {};
  const pageErrors: string[] = [];
  const ipcCalls: IpcCall[] = [];
  const broadcasts: { channel: string; payload: unknown }[] = [];

  const services = createAppServices({
    userDataDir: options.userDataDir ?? path.join(tmp, 'userData'),
    createEngineTransport: forkTransportFactory(workerFromBuild(path.join(OUT_DIR, 'main'))),
    appInfo: () => ({
      name: 'RotorScribe',
      version: '0.1.0',
      platform: process.platform,
      arch: process.arch,
      versions: { electron: '45 (harness)', chrome: 'Debian Chromium', node: process.versions.node },
    }),
    trustedOrigins: [baseUrl],
    showOpenAudioDialog: async () => options.dialogPaths?.() ?? [],
    showOpenFolderDialog: async () => options.folderDialogPaths?.() ?? [],
    showSaveDialog: async (_event, { defaultName }) => options.savePath?.(defaultName),
    mediaUrlFor: (token) => `${baseUrl}${MEDIA_PREFIX}${token}`,
    env: options.env ?? { ROTORSCRIBE_ENGINE: 'echo' },
    ...(options.jobThrottleMs !== undefined ? { jobThrottleMs: options.jobThrottleMs } : {}),
    broadcast: (channel, payload) => {
      // As main/app/index.ts: an event that breaks the contract never reaches the page.
      const checked = checkEvent(channel, payload);
      if (!checked.ok) {
        pageErrors.push(`[main broadcast ${channel}] ${checked.problem}`);
        return;
      }
      broadcasts.push({ channel, payload: checked.value });
      pageRef.current
        ?.evaluate(
          ([c, p]) => (globalThis as { __e2eEmit?: (c: unknown, p: unknown) => void }).__e2eEmit?.(c, p),
          [channel, checked.value] as const,
        )
        // the page may already be gone, like a destroyed webContents
        .catch(() => undefined);
    },
    logError: (context, error) => pageErrors.push(`[main ${context}] ${String(error)}`),
  });

  // A fake ipcMain with Electron's semantics: one handler per channel, unknown channels reject.
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const registration = registerIpc(ipcMain, services.ipcDeps);
  mediaRef.current = services;
  // As in main/app/index.ts: the engine and the queue start with the app, not on the first request.
  await services.engine.start();
  await services.jobs.start();

  const context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
    viewport: options.viewport ?? { width: 1200, height: 760 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
  });
  const thePage = context.pages()[0] ?? (await context.newPage());
  pageRef.current = thePage;
  thePage.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`[console] ${msg.text()}`);
  });
  thePage.on('pageerror', (error) => pageErrors.push(`[pageerror] ${error.message}`));

  await thePage.exposeBinding(
    '__ipcInvoke',
    async (source: { frame: Frame }, channel: unknown, ...args: unknown[]) => {
      const frame = source.frame;
      const event: InvokeEventLike = { senderFrame: { url: frame.url(), parent: frame.parentFrame() } };
      const call: IpcCall = {
        channel: String(channel),
        payload: args[0],
        senderUrl: frame.url(),
        subFrame: frame.parentFrame() !== null,
        result: undefined,
      };
      ipcCalls.push(call);
      const handler = handlers.get(String(channel));
      if (!handler) {
        call.result = 'rejected: no handler';
        throw new Error(`No handler registered for '${String(channel)}'`);
      }
      call.result = await handler(event, ...args);
      return call.result;
    },
  );
  // What Electron's ipcMain.on('recording:port') + MessagePortMain do in main/app/index.ts.
  const ports = new Map<number, { deliver: (data: unknown) => void }>();
  let nextPort = 1;
  await thePage.exposeBinding(
    '__ipcPortOpen',
    (source: { frame: Frame }, _channel: unknown, payload: unknown) => {
      const handle = nextPort++;
      let listener: (data: unknown) => void = () => undefined;
      const port: ChunkPort = {
        onMessage: (l) => void (listener = l),
        onClose: () => undefined,
        start: () => undefined,
        close: () => void ports.delete(handle),
      };
      ports.set(handle, { deliver: (data) => listener(data) });
      const frame = source.frame;
      const ok = acceptRecordingPort(
        { senderFrame: { url: frame.url(), parent: frame.parentFrame() }, ports: [port] },
        payload,
        {
          isTrustedSender: services.ipcDeps.isTrustedSender,
          attachPort: (id, p) => services.recording.attachPort(id, p),
          logError: (context, error) => pageErrors.push(`[main ${context}] ${String(error)}`),
        },
      );
      return ok ? handle : null;
    },
  );
  await thePage.exposeBinding('__ipcPortMessage', (_source: unknown, handle: unknown, data: unknown) => {
    ports.get(Number(handle))?.deliver(data);
  });
  await thePage.addInitScript({ content: preloadShim(preloadSource) });
  await thePage.goto(`${baseUrl}/index.html`);

  return {
    page: thePage,
    context,
    baseUrl,
    services,
    registration,
    ipcCalls,
    broadcasts,
    pageErrors,
    preloadRequires: () =>
      thePage.evaluate(() => [
        ...((globalThis as { __e2ePreloadRequires?: string[] }).__e2ePreloadRequires ?? []),
      ]),
    setDropPath: (name, filePath) =>
      thePage.evaluate(
        ([n, p]) => {
          const g = globalThis as { __e2eDropPaths?: Record<string, string> };
          g.__e2eDropPaths = { ...g.__e2eDropPaths, [n]: p };
        },
        [name, filePath] as const,
      ),
    emit: async (channel, payload) => {
      await thePage.evaluate(
        ([c, p]) => (globalThis as { __e2eEmit?: (c: unknown, p: unknown) => void }).__e2eEmit?.(c, p),
        [channel, payload] as const,
      );
    },
    async screenshot(name) {
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      // Transitions are fast-forwarded so a theme switch is never captured half-way.
      await thePage.screenshot({ path: file, fullPage: false, animations: 'disabled' });
      return file;
    },
    async close() {
      await context.close().catch(() => undefined);
      // What quitting the app does: the running job goes back to the queue, the engine stops, the database closes.
      await services.dispose();
      registration.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
