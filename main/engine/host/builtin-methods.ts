import { RotorError } from '../../../common/errors';
import { num, object, str, type Validator } from '../../../common/ipc-validate';
import type { MethodTable } from './worker-runtime';

function parseWith<T>(check: Validator<T>): (params: unknown) => T {
  return (params) => {
    const r = check(params);
    if (!r.ok) throw new RotorError('IPC_INVALID_PAYLOAD', undefined, { detail: r.problem });
    return r.value;
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new RotorError('CANCELLED'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new RotorError('CANCELLED'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const pcmParams: Validator<{ pcm: Float32Array; sampleRate: number }> = (value) => {
  if (typeof value !== 'object' || value === null)
    return { ok: false, problem: 'params: expected an object' };
  const { pcm, sampleRate } = value as Record<string, unknown>;
  if (!(pcm instanceof Float32Array)) return { ok: false, problem: 'pcm: expected a Float32Array' };
  const rate = num({ min: 8000, max: 192_000, integer: true })(sampleRate, 'sampleRate');
  if (!rate.ok) return rate;
  return { ok: true, value: { pcm, sampleRate: rate.value } };
};

/** The methods every worker has: health, a streaming stand-in, PCM transport check and a crash hook. */
export function builtinMethods(activeRequests: () => number): MethodTable {
  return {
    ping: {
      parse: parseWith(object({ echo: str({ max: 10_000 }) })),
      // The ping itself is running while it answers; report the others.
      run: ({ echo }) => ({ echo, pid: process.pid, active: activeRequests() - 1 }),
    },
    count: {
      parse: parseWith(
        object({
          to: num({ min: 0, max: 1_000_000, integer: true }),
          intervalMs: num({ min: 0, max: 60_000 }),
        }),
      ),
      async run({ to, intervalMs }, { signal, emit }) {
        for (let n = 1; n <= to; n++) {
          await sleep(intervalMs, signal);
          emit({ n });
        }
        return { counted: to };
      },
    },
    pcmStats: {
      parse: parseWith(pcmParams),
      run: ({ pcm, sampleRate }) => {
        let peak = 0;
        let sumSq = 0;
        let checksum = 0;
        for (let i = 0; i < pcm.length; i++) {
          const v = pcm[i] ?? 0;
          peak = Math.max(peak, Math.abs(v));
          sumSq += v * v;
          checksum += v * ((i % 7) + 1);
        }
        return {
          samples: pcm.length,
          sampleRate,
          peak,
          rms: pcm.length ? Math.sqrt(sumSq / pcm.length) : 0,
          checksum,
        };
      },
    },
    crash: {
      parse: parseWith(object({ exitCode: num({ min: 1, max: 255, integer: true }) })),
      run: ({ exitCode }) => process.exit(exitCode),
    },
  };
}
