/**
 * Reads a GGUF header from disk: the file's first megabyte, then more only as far as the parser asks (never past
 * GGUF_LIMITS.headerBytes, never the tensor data of a large model). Every failure is a RotorError naming the path.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { RotorError } from '@common/errors';
import { READ_NO_WAIT } from '../../fs/open-no-wait';
import { GGUF_LIMITS } from './format';
import { parseGgufHeader } from './parse';
import { GgufProblem, NeedBytes } from './problem';
import type { GgufHeader, GgufReadOptions } from './types';

const FIRST_READ = 1 << 20;

/** The file's bytes are wrong (as opposed to the file being missing or unreadable). */
export class GgufFormatError extends RotorError {
  constructor(
    readonly path: string,
    readonly problem: GgufProblem,
  ) {
    const truncated = problem.kind === 'truncated';
    super(truncated ? 'MODEL_TRUNCATED' : 'MODEL_NOT_GGUF', `${path}: ${problem.message}`, {
      hint: truncated
        ? 'The file is incomplete: download it again.'
        : 'The file is damaged or is not a GGUF model: choose a .gguf model file.',
      cause: problem,
    });
    this.name = 'GgufFormatError';
  }
}

function ioError(path: string, cause: unknown): RotorError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new RotorError('MODEL_NOT_FOUND', `The model file does not exist: ${path}`);
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new RotorError('FILE_UNREADABLE', `${path} cannot be read: ${reason}`, {
    hint: 'Check that the file exists and that you may read it.',
    cause,
  });
}

/** Grows `prefix` to `length` bytes, reading only the new part; returns fewer if the file shrank meanwhile. */
async function extend(fh: FileHandle, prefix: Buffer, length: number): Promise<Buffer> {
  const next = Buffer.alloc(length);
  prefix.copy(next);
  let filled = prefix.length;
  while (filled < length) {
    const { bytesRead } = await fh.read(next, filled, length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return next.subarray(0, filled);
}

async function readFrom(fh: FileHandle, path: string, options: GgufReadOptions): Promise<GgufHeader> {
  const stat = await fh.stat();
  if (!stat.isFile()) throw new RotorError('FILE_UNREADABLE', `${path} is not a file`);
  let size = stat.size;
  let prefix: Buffer = Buffer.alloc(0);
  let want = Math.min(size, FIRST_READ);
  for (;;) {
    prefix = await extend(fh, prefix, want);
    // the file shrank since stat: parse against what is really there
    if (prefix.length < want) size = prefix.length;
    try {
      return parseGgufHeader(prefix, size, path, options);
    } catch (e) {
      if (!(e instanceof NeedBytes)) throw e;
      if (e.end > GGUF_LIMITS.headerBytes) {
        throw new GgufProblem('invalid', `the header runs past ${GGUF_LIMITS.headerBytes} bytes`);
      }
      // NeedBytes only asks for bytes the file has, so `want` always grows
      want = Math.min(size, GGUF_LIMITS.headerBytes, Math.max(e.end, prefix.length * 4));
    }
  }
}

/**
 * The header of the GGUF file at `path`: metadata and tensor table, bounded whatever the file claims. Throws
 * GgufFormatError (MODEL_TRUNCATED or MODEL_NOT_GGUF) for bad bytes, MODEL_NOT_FOUND or FILE_UNREADABLE otherwise.
 */
export async function readGgufHeader(path: string, options: GgufReadOptions = {}): Promise<GgufHeader> {
  let fh: FileHandle;
  try {
    fh = await open(path, READ_NO_WAIT);
  } catch (e) {
    throw ioError(path, e);
  }
  try {
    return await readFrom(fh, path, options);
  } catch (e) {
    if (e instanceof GgufProblem) throw new GgufFormatError(path, e);
    if (e instanceof RotorError) throw e;
    throw ioError(path, e);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
