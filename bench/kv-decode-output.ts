/**
 * Parser for the line format of native/build/bin/kv-decode (bench/kv-decode.cpp): one `KIND key=value ...` line per
 * measurement, with an optional ` | free text` tail (llama.cpp's own cache-size log line).
 */

export interface KvLine {
  depth: number;
  k: string;
  v: string;
  nLayer: number;
  kBytesPerToken: number;
  vBytesPerToken: number;
  bytesPerToken: number;
  cells: number;
  /** Total cache size from llama.cpp's log line, MiB with two decimals. */
  allocMib: number;
  attnRotK: number;
  format: string;
}

export interface DecodeLine {
  fill: 'synth' | 'prefill';
  depth: number;
  k: string;
  v: string;
  decodeTokS: number;
  msPerTokenMedian: number;
  cpuMsPerToken: number;
  threads: number;
  nDecode: number;
  fillS: number;
  cells: number;
  /** 1: upstream's Hadamard rotation of Q/K/V is on (LLAMA_ATTN_ROT_DISABLE unset, quantized K) */
  attnRotK: number;
  logitsFinite: boolean;
  tokens: number[];
  status: string;
}

export interface PrefillLine {
  k: string;
  v: string;
  tokens: number;
  prefillTokS: number;
  seconds: number;
  threadsBatch: number;
  logitsFinite: boolean;
  status: string;
}

export interface XcheckLine {
  depth: number;
  k: string;
  v: string;
  synthTokS: number;
  prefillTokS: number;
  /** synth / prefill decode tok/s (> 1: faster after the synthetic state) */
  ratio: number;
  /** prefill / synth median ms per token */
  medianRatio: number;
  /** prefill / synth CPU ms per token */
  cpuRatio: number;
}

export interface KvDecodeOutput {
  kv: KvLine[];
  decode: DecodeLine[];
  prefill: PrefillLine[];
  xcheck: XcheckLine[];
  /** Lines of a known kind whose status is not ok, or that could not be read. */
  failures: string[];
}

function fieldsOf(line: string): Map<string, string> {
  const body = line.split(' | ')[0] as string;
  const out = new Map<string, string>();
  for (const part of body.split(/\s+/).slice(1)) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

class Fields {
  constructor(
    private readonly f: Map<string, string>,
    private readonly line: string,
  ) {}
  str(key: string): string {
    const v = this.f.get(key);
    if (v === undefined) throw new Error(`kv-decode line without ${key}: ${this.line}`);
    return v;
  }
  num(key: string): number {
    const n = Number(this.str(key));
    if (!Number.isFinite(n)) throw new Error(`kv-decode line with non-numeric ${key}: ${this.line}`);
    return n;
  }
}

export function parseKvDecodeOutput(stdout: string): KvDecodeOutput {
  const out: KvDecodeOutput = { kv: [], decode: [], prefill: [], xcheck: [], failures: [] };
  for (const line of stdout.split('\n')) {
    const kind = line.split(' ', 1)[0];
    if (kind !== 'KV' && kind !== 'DECODE' && kind !== 'PREFILL' && kind !== 'XCHECK') continue;
    const raw = fieldsOf(line);
    const status = raw.get('status');
    if ((status !== undefined && status !== 'ok') || (kind === 'KV' && raw.get('format') !== 'ok')) {
      out.failures.push(line);
      continue;
    }
    const f = new Fields(raw, line);
    try {
      if (kind === 'KV') {
        out.kv.push({
          depth: f.num('depth'),
          k: f.str('k'),
          v: f.str('v'),
          nLayer: f.num('n_layer'),
          kBytesPerToken: f.num('k_bytes_per_token'),
          vBytesPerToken: f.num('v_bytes_per_token'),
          bytesPerToken: f.num('bytes_per_token'),
          cells: f.num('cells'),
          allocMib: f.num('alloc_mib'),
          attnRotK: f.num('attn_rot_k'),
          format: f.str('format'),
        });
      } else if (kind === 'DECODE') {
        const fill = f.str('fill');
        if (fill !== 'synth' && fill !== 'prefill') throw new Error(`unknown fill ${fill}`);
        const toks = f.str('tokens');
        out.decode.push({
          fill,
          depth: f.num('depth'),
          k: f.str('k'),
          v: f.str('v'),
          decodeTokS: f.num('decode_tok_s'),
          msPerTokenMedian: f.num('ms_per_token_median'),
          cpuMsPerToken: f.num('cpu_ms_per_token'),
          threads: f.num('threads'),
          nDecode: f.num('n_decode'),
          fillS: f.num('fill_s'),
          cells: f.num('cells'),
          attnRotK: f.num('attn_rot_k'),
          logitsFinite: f.num('logits_finite') === 1,
          tokens: toks === '-' ? [] : toks.split(',').map(Number),
          status: f.str('status'),
        });
      } else if (kind === 'PREFILL') {
        out.prefill.push({
          k: f.str('k'),
          v: f.str('v'),
          tokens: f.num('tokens'),
          prefillTokS: f.num('prefill_tok_s'),
          seconds: f.num('seconds'),
          threadsBatch: f.num('threads_batch'),
          logitsFinite: f.num('logits_finite') === 1,
          status: f.str('status'),
        });
      } else {
        out.xcheck.push({
          depth: f.num('depth'),
          k: f.str('k'),
          v: f.str('v'),
          synthTokS: f.num('synth_tok_s'),
          prefillTokS: f.num('prefill_tok_s'),
          ratio: f.num('synth_over_prefill'),
          medianRatio: f.num('median_ratio'),
          cpuRatio: f.num('cpu_ratio'),
        });
      }
    } catch {
      out.failures.push(line);
    }
  }
  return out;
}
