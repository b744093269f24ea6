/**
 * `rotorscribe doctor`: the hardware, the recommended configuration and why, what was rejected, and what each KV
 * cache type would cost. main/cli.ts parses the flags and prints `text` (or JSON.stringify(report) with --json).
 */
import { formatBytes, formatKiB } from '@common/format-bytes';
import type { AdvisorReport, PoolUsage, Recommendation } from '@common/advisor-types';
import { KV_QUALITY_SOURCE, measuredKvQuality, type KvPair } from '@common/kv-quality';
import { summarizeHardware } from './probe-parse';
import { createAdvisor, type AdvisorDeps } from './report';
import { runtimeAdvisorDeps } from './runtime-deps';
import { poolName } from './recommend';

function klText(p: KvPair): string {
  const m = measuredKvQuality(p);
  return m === undefined ? 'not meas.' : m.kl === 0 ? '0' : m.kl.toExponential(1);
}

export interface DoctorOptions extends AdvisorDeps {
  json?: boolean;
  /** Ask the native runtime for GPUs and built cache types (default: yes unless hardware is given). */
  useRuntime?: boolean;
}

function poolLine(p: PoolUsage): string {
  const b = p.breakdown;
  const parts = [
    `weights ${formatBytes(b.weights)}`,
    `mmproj ${formatBytes(b.mmproj)}`,
    `KV ${formatBytes(b.kv)}`,
    `compute ${formatBytes(b.computeDecoder + b.computeEncoder)}`,
    `overhead ${formatBytes(b.overhead)}`,
  ];
  return `${poolName(p.pool)}: ${parts.join(' + ')} = ${formatBytes(p.total)} of a ${formatBytes(p.budget)} budget`;
}

/**
 * The `rotorscribe transcribe` flags that run a recommendation's cache types and parallelism. The CLI reuses this
 * so that doctor and transcribe cannot drift apart. Window length is not a flag here: the advisor sizes memory for
 * windows at least as long as the CLI's (which are capped by the 30 s encoder chunk), so the CLI default fits.
 */
export function recommendationFlags(recommendation: Pick<Recommendation, 'config'>): string[] {
  const c = recommendation.config;
  return ['--kv-k', c.kvTypeK, '--kv-v', c.kvTypeV, '--parallel', String(c.parallelWindows)];
}

export function formatDoctor(report: AdvisorReport): string {
  const r = report.recommendation;
  const c = r.config;
  const lines: string[] = ['Hardware', ...summarizeHardware(report.hardware).map((l) => `  ${l}`), ''];
  lines.push(r.ok ? 'Recommendation' : 'No configuration fits', `  ${r.why}`);
  lines.push(
    `  weights ${c.weights} · K ${c.kvTypeK} · V ${c.kvTypeV} · window ${c.windowSeconds} s × ${c.parallelWindows} · ` +
      `GPU layers ${c.gpuLayers} · threads ${c.threads} · flash attention ${c.flashAttention ? 'on' : 'off'} · n_ctx ${r.estimate.context.nCtx}`,
  );
  for (const p of r.estimate.pools) lines.push(`  ${poolLine(p)}`);
  if (r.speed) {
    const b = r.speed.batch;
    lines.push(
      `  speed (model calibrated on ${r.speed.calibration}): per ${c.parallelWindows > 1 ? `batch of ${c.parallelWindows} windows` : 'window'} ` +
        `(${r.speed.audioSecPerWindow.toFixed(2)} s of audio in ${r.speed.chunksPerWindow} encoder chunk${r.speed.chunksPerWindow === 1 ? '' : 's'}${c.parallelWindows > 1 ? ' each' : ''}): ` +
        `encoder ${b.encoderSec.toFixed(0)} s + prefill ${b.prefillSec.toFixed(0)} s + decode ${b.decodeSec.toFixed(0)} s → ` +
        `${r.speed.speedX.toFixed(2)}x real time on continuous speech`,
    );
  }
  if (r.ok)
    lines.push('', 'Run it with', `  rotorscribe transcribe <file…> ${recommendationFlags(r).join(' ')}`);
  if (r.alternatives.length) {
    lines.push('', 'Not chosen');
    for (const a of r.alternatives) lines.push(`  ${a.label}: ${a.reason}`);
  }
  lines.push(
    '',
    `KV cache types for ${c.windowSeconds} s × ${c.parallelWindows} (${r.estimate.context.nCtx} cells)`,
  );
  lines.push(
    `  ${'K/V'.padEnd(12)}${'per token'.padStart(14)}${'cache'.padStart(11)}${'total'.padStart(11)}${'speed'.padStart(8)}${'KL vs f16'.padStart(11)}   longest window`,
  );
  for (const row of report.cacheTable) {
    lines.push(
      `  ${(row.kvTypeV ? `${row.kvType}/${row.kvTypeV}` : row.kvType).padEnd(12)}${formatKiB(row.bytesPerToken).padStart(14)}${formatBytes(row.kvBytes).padStart(11)}${formatBytes(row.totalBytes).padStart(11)}` +
        `${(row.speedX === undefined ? '–' : `${row.speedX.toFixed(2)}x`).padStart(8)}` +
        `${klText({ k: row.kvType, v: row.kvTypeV ?? row.kvType }).padStart(11)}   ` +
        `${row.maxWindowMinutes > 0 ? `${row.maxWindowMinutes.toFixed(1)} min` : 'does not fit'}` +
        `${row.windowLimit === 'context' && row.maxWindowMinutes > 0 ? ' (32k context limit)' : ''}${row.available ? '' : ` (${row.unavailableReason ?? 'not built'})`}`,
    );
  }
  lines.push(
    `  KL vs f16: next-token divergence measured on trained weights (${KV_QUALITY_SOURCE.command}, ${KV_QUALITY_SOURCE.date}); the order of the rows.`,
  );
  const approx = report.variants.filter((v) => v.approximate).map((v) => v.id);
  if (approx.length) lines.push('', `Sizes of ${approx.join(', ')} are estimates until the file is on disk.`);
  return lines.join('\n');
}

export async function runDoctor(opts: DoctorOptions = {}): Promise<{ report: AdvisorReport; text: string }> {
  const useRuntime = opts.useRuntime ?? (opts.hardware === undefined && opts.listDevices === undefined);
  const advisor = await createAdvisor(useRuntime ? { ...(await runtimeAdvisorDeps()), ...opts } : opts);
  const report = advisor.report();
  return { report, text: opts.json ? JSON.stringify(report, null, 2) : formatDoctor(report) };
}
