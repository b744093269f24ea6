/**
 * worker_thread that runs one ffmpeg command inside FFmpeg compiled to WebAssembly (`@ffmpeg/core`). The decoder
 * sees one read-only file and one output device and nothing else of the machine: a bug in a demuxer or decoder can
 * at worst trap inside the wasm memory, never touch the host's files or memory.
 *
 * The input is read on demand through a small filesystem of our own (a 2-hour file is never held in memory), and
 * output is posted to the host as ffmpeg writes it, blocking while the host has too much unread output.
 *
 * This file runs without a bundler in tests and from source (Node strips its types), so it imports only Node
 * built-ins and types.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerInput, WorkerMessage } from './protocol';

/** The parts of emscripten's FS object this worker uses. */
interface EmNode {
  id: number;
  mode: number;
  size?: number;
  node_ops: object;
  stream_ops: object;
  contents: Record<string, EmNode>;
}
interface EmStream {
  node: EmNode;
  position: number;
}
interface EmFs {
  createNode(parent: EmNode | null, name: string, mode: number, dev: number): EmNode;
  mkdir(path: string): void;
  mount(type: object, opts: object, mountpoint: string): void;
  makedev(major: number, minor: number): number;
  registerDevice(dev: number, ops: object): void;
  mkdev(path: string, dev: number): void;
  ErrnoError: new (errno: number) => Error;
}
interface FfmpegModule {
  FS: EmFs;
  exec(...args: string[]): number;
  setLogger(logger: (entry: { type: string; message: string }) => void): void;
}
interface WasmInstance {
  exports: object;
}
type CoreFactory = (module: {
  instantiateWasm(imports: object, receive: (instance: WasmInstance, module: object) => void): object;
}) => Promise<FfmpegModule>;
interface WasmInstantiate {
  Instance: new (module: object, imports: object) => WasmInstance;
}

// emscripten errno values (its own numbering, not the host's)
const ENOENT = 44;
const EIO = 29;
const EINVAL = 28;
const EROFS = 69;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const BEAT_MS = 250;

function attrs(node: EmNode, size: number): object {
  const epoch = new Date(0);
  return {
    dev: 1,
    ino: node.id,
    mode: node.mode,
    nlink: 1,
    uid: 0,
    gid: 0,
    rdev: 0,
    size,
    atime: epoch,
    mtime: epoch,
    ctime: epoch,
    blksize: 4096,
    blocks: Math.ceil(size / 4096),
  };
}

/**
 * A read-only filesystem holding one file whose bytes come from a host file descriptor, read on demand at the
 * offset ffmpeg asks for (seeks included).
 */
export function inputFilesystem(
  fs: EmFs,
  name: string,
  fd: number,
  size: number,
  onRead: () => void,
): object {
  const fail = (errno: number): never => {
    throw new fs.ErrnoError(errno);
  };
  const dirOps = {
    getattr: (node: EmNode) => attrs(node, 4096),
    setattr: () => fail(EROFS),
    lookup: () => fail(ENOENT),
    mknod: () => fail(EROFS),
    rename: () => fail(EROFS),
    unlink: () => fail(EROFS),
    rmdir: () => fail(EROFS),
    symlink: () => fail(EROFS),
    readdir: (node: EmNode) => ['.', '..', ...Object.keys(node.contents)],
  };
  const fileOps = {
    getattr: (node: EmNode) => attrs(node, size),
    setattr: () => fail(EROFS),
  };
  const streamOps = {
    read(_stream: EmStream, buffer: Int8Array, offset: number, length: number, position: number): number {
      onRead();
      if (position >= size) return 0;
      try {
        return readSync(fd, buffer, offset, Math.min(length, size - position), position);
      } catch {
        return fail(EIO);
      }
    },
    write: () => fail(EROFS),
    llseek(stream: EmStream, offset: number, whence: number): number {
      const base = whence === 1 ? stream.position : whence === 2 ? size : 0;
      const at = base + offset;
      return at < 0 ? fail(EINVAL) : at;
    },
  };
  return {
    mount(): EmNode {
      const root = fs.createNode(null, '/', S_IFDIR | 0o555, 0);
      root.node_ops = dirOps;
      root.stream_ops = {};
      root.contents = {};
      const file = fs.createNode(root, name, S_IFREG | 0o444, 0);
      file.node_ops = fileOps;
      file.stream_ops = streamOps;
      file.contents = {};
      root.contents[name] = file;
      return root;
    },
  };
}

/**
 * The import table with emscripten's heap-growth function refusing to grow past `maxBytes` (the glue's import
 * names are minified; the function keeps its own name).
 */
export function capHeap(imports: object, maxBytes: number): object {
  const capped: Record<string, unknown> = {};
  let found = false;
  for (const [moduleName, table] of Object.entries(imports as Record<string, Record<string, unknown>>)) {
    const entries = Object.entries(table).map(([name, value]) => {
      if (typeof value !== 'function' || value.name !== '_emscripten_resize_heap') return [name, value];
      found = true;
      const grow = value as (requested: number) => boolean;
      return [name, (requested: number) => (requested >>> 0 > maxBytes ? false : grow(requested))];
    });
    capped[moduleName] = Object.fromEntries(entries);
  }
  // fail closed: a newer ffmpeg-core without this import would otherwise run uncapped
  if (!found)
    throw new Error('ffmpeg-core has no _emscripten_resize_heap import: the heap cap cannot be applied');
  return capped;
}

function run(
  input: WorkerInput,
  post: (message: WorkerMessage, transfer?: ArrayBuffer[]) => void,
): Promise<void> {
  const control = new Int32Array(input.control);
  // The UMD build of ffmpeg-core only knows browsers and web workers; this is the one global it reads.
  (globalThis as { self?: unknown }).self = { location: { href: 'file:///' } };
  // emscripten emulates sockets over WebSocket, which Node provides: without it the decoder has no network at all,
  // whatever protocol a crafted file names.
  delete (globalThis as { WebSocket?: unknown }).WebSocket;
  const factory = createRequire(import.meta.url)(input.corePath) as CoreFactory;
  return factory({
    instantiateWasm(imports, receive) {
      const wasm = (globalThis as unknown as { WebAssembly: WasmInstantiate }).WebAssembly;
      const instance = new wasm.Instance(input.module, capHeap(imports, input.maxHeapBytes));
      receive(instance, input.module);
      return instance.exports;
    },
  }).then((m) => {
    // Non-blocking: the path was checked to be a regular file, but it can be swapped for a FIFO since, and opening
    // that waits for a writer inside a syscall that neither the stall bound nor terminate() can interrupt.
    const fd = openSync(input.path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      const info = fstatSync(fd);
      if (!info.isFile()) throw new Error('the input is no longer a regular file');
      const size = info.size;
      let lastBeat = Date.now();
      const beat = (): void => {
        const now = Date.now();
        if (now - lastBeat < BEAT_MS) return;
        lastBeat = now;
        post({ t: 'beat' });
      };
      m.FS.mkdir(dirname(input.inputName));
      m.FS.mount(
        inputFilesystem(m.FS, basename(input.inputName), fd, size, beat),
        {},
        dirname(input.inputName),
      );
      const device = m.FS.makedev(64, 0);
      m.FS.registerDevice(device, {
        open: () => undefined,
        close: () => undefined,
        write(_stream: EmStream, buffer: Int8Array, offset: number, length: number): number {
          const start = buffer.byteOffset + offset;
          const bytes = new Uint8Array(buffer.buffer.slice(start, start + length) as ArrayBuffer);
          post({ t: 'out', bytes }, [bytes.buffer]);
          let queued = Atomics.add(control, 0, length) + length;
          while (queued > input.highWaterBytes) {
            // woken by the host when it takes output; the timeout only bounds a missed wake-up
            Atomics.wait(control, 0, queued, 1_000);
            queued = Atomics.load(control, 0);
          }
          return length;
        },
      });
      m.FS.mkdev(input.outputName, device);
      m.setLogger(({ message }) => {
        // the glue's own note that ffmpeg's exit went through abort(): not an ffmpeg message
        if (message !== 'Aborted()') post({ t: 'line', line: message });
      });
      post({ t: 'ready' });
      const code = m.exec(...input.args);
      post({ t: 'done', code });
    } finally {
      closeSync(fd);
    }
  });
}

const data = workerData as WorkerInput | null;
if (parentPort !== null && data?.kind === 'rotorscribe-ffmpeg') {
  const port = parentPort;
  const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void =>
    port.postMessage(message, transfer);
  run(data, post).catch((error: unknown) => {
    post({ t: 'trap', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  });
}
