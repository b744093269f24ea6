import { RotorError } from '@common/errors';
import {
  countParamsSchema,
  crashParamsSchema,
  parserOf,
  pcmStatsParamsSchema,
  pingParamsSchema,
} from './method-params';
import type { MethodTable } from './worker-runtime';

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

/** The methods every worker has: health, a streaming stand-in, PCM transport check and a crash hook. */
export function builtinMethods(activeRequests: () => number): MethodTable {
  return {
    ping: {
      parse: parserOf(pingParamsSchema),
      // The ping itself is running while it answers; report the others.
      run: ({ echo }) => ({ echo, pid: process.pid, active: activeRequests() - 1 }),
    },
    count: {
      parse: parserOf(countParamsSchema),
      async run({ to, intervalMs }, { signal, emit }) {
        for (let n = 1; n <= to; n++) {
          await sleep(intervalMs, signal);
          emit({ n });
        }
        return { counted: to };
      },
    },
    pcmStats: {
      parse: parserOf(pcmStatsParamsSchema),
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
      parse: parserOf(crashParamsSchema),
      run: ({ exitCode }) => process.exit(exitCode),
    },
  };
}
