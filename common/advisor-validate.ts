/**
 * Runtime validators for the advisor channels (advisor:getReport, advisor:evaluate), checked against the types in
 * advisor-types.ts by the `satisfies` clauses below.
 */
import type {
  AdvisorReport,
  Alternative,
  CacheTypeRow,
  ComputeDevice,
  ContextPlan,
  EvaluateResult,
  HardwareInfo,
  MemoryBreakdown,
  MemoryEstimate,
  MeasuredAllocation,
  PoolUsage,
  Recommendation,
  RunConfig,
  RunOverrides,
} from './advisor-types';
import { arrayOf, bool, num, object, oneOf, str, type Validator } from './ipc-validate';
import { KV_CACHE_TYPES, type KvCacheType } from './kv-cache-types';

const kvType = oneOf(...(KV_CACHE_TYPES.map((t) => t.name) as [KvCacheType, ...KvCacheType[]]));
const bytes = num({ min: -1e15, max: 1e15 });
const count = num({ min: 0, max: 1e9, integer: true });
const text = (max = 2000) => str({ max });

const runFields = {
  weights: str({ min: 1, max: 100 }),
  kvTypeK: kvType,
  kvTypeV: kvType,
  windowSeconds: num({ min: 1, max: 36_000, integer: true }),
  parallelWindows: num({ min: 1, max: 64, integer: true }),
  gpuLayers: num({ min: 0, max: 1000, integer: true }),
  threads: num({ min: 1, max: 1024, integer: true }),
  flashAttention: bool,
  tokenRate: oneOf('pooled', 'reference'),
};
export const checkRunConfig: Validator<RunConfig> = object(runFields);
/** Any subset of the settings; the advisor checks ranges against the machine and the model. */
export const checkRunOverrides: Validator<RunOverrides> = object({}, runFields);

const breakdown: Validator<MemoryBreakdown> = object({
  weights: bytes,
  mmproj: bytes,
  kv: bytes,
  computeDecoder: bytes,
  computeEncoder: bytes,
  overhead: bytes,
});
const pool: Validator<PoolUsage> = object({
  pool: oneOf('ram', 'vram', 'unified'),
  breakdown,
  total: bytes,
  budget: bytes,
  reclaimable: bytes,
});
const contextPlan: Validator<ContextPlan> = object({
  audioTokensPerWindow: count,
  promptTokens: count,
  outputTokens: count,
  tokensPerWindow: count,
  nCtx: count,
  contextLimit: count,
  withinContextLimit: bool,
});
const estimate: Validator<MemoryEstimate> = object({
  config: checkRunConfig,
  context: contextPlan,
  kvBytesPerToken: bytes,
  pools: arrayOf(pool, { max: 4 }),
  fits: bool,
  headroomBytes: bytes,
  tightestPool: oneOf('ram', 'vram', 'unified'),
});
const alternative: Validator<Alternative> = object({
  label: text(200),
  config: checkRunConfig,
  totalBytes: bytes,
  fits: bool,
  reason: text(),
});
const recommendation: Validator<Recommendation> = object({
  ok: bool,
  config: checkRunConfig,
  estimate,
  why: text(),
  alternatives: arrayOf(alternative, { max: 50 }),
});
const cacheRow: Validator<CacheTypeRow> = object({
  kvType,
  bytesPerToken: bytes,
  kvBytes: bytes,
  totalBytes: bytes,
  maxWindowMinutes: num({ min: 0, max: 1e4 }),
  windowLimit: oneOf('memory', 'context'),
  available: bool,
});
const device: Validator<ComputeDevice> = object({
  name: text(200),
  description: text(500),
  kind: oneOf('cpu', 'gpu', 'unified'),
  totalBytes: bytes,
  freeBytes: bytes,
});
const hardware: Validator<HardwareInfo> = object({
  os: object({ platform: text(50), release: text(100), arch: text(50) }),
  cpu: object({
    model: text(300),
    physicalCores: count,
    logicalCores: count,
    simd: arrayOf(text(50), { max: 64 }),
  }),
  ram: object({ totalBytes: bytes, freeBytes: bytes }),
  devices: arrayOf(device, { max: 32 }),
  unifiedMemory: bool,
  deviceSource: oneOf('runtime', 'fallback'),
});
const measured: Validator<MeasuredAllocation> = object({
  config: checkRunConfig,
  nCtx: count,
  predicted: breakdown,
  measured: breakdown,
  /** Which measured fields the runtime reported (the rest are zero). */
  reported: arrayOf(oneOf('weights', 'mmproj', 'kv', 'computeDecoder', 'computeEncoder', 'overhead'), {
    max: 6,
  }),
});

export const checkAdvisorReport: Validator<AdvisorReport> = object(
  {
    hardware,
    recommendation,
    variants: arrayOf(
      object({
        id: text(100),
        label: text(300),
        approximate: bool,
        weightBytes: bytes,
        mmprojBytes: bytes,
        layers: count,
      }),
      { max: 50 },
    ),
    kvTypes: arrayOf(object({ type: kvType, available: bool, bitsPerValue: num({ min: 0, max: 64 }) }), {
      max: 64,
    }),
    cacheTable: arrayOf(cacheRow, { max: 64 }),
  },
  { measured },
);

export const checkEvaluateRequest = object({ overrides: checkRunOverrides });
export const checkEvaluateResult: Validator<EvaluateResult> = object({
  estimate,
  cacheTable: arrayOf(cacheRow, { max: 64 }),
  verdict: text(),
});
