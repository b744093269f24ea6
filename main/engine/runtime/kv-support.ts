/**
 * Which KV cache types this build of the addon has, and which of them each ggml device runs. A device without the
 * SET_ROWS / FLASH_ATTN_EXT kernels of a type would make llama.cpp abort the whole process while it creates the
 * context; the addon checks the same ops before every context (KV_TYPE_UNSUPPORTED instead), and this is the query
 * the advisor uses to offer only what runs.
 */
import { KV_TYPE_UNSUPPORTED_HINT, RotorError } from '@common/errors';
import { KV_CACHE_TYPES, kvCacheTypeInfo, type KvCacheType } from '@common/kv-cache-types';
import { loadAddon, type NativeKvUnsupported } from './native';

export { KV_TYPE_UNSUPPORTED_HINT };

/** Whether this build of the addon has a KV cache type (the RotorQuant ones need their patches). */
export function kvTypeSupported(type: KvCacheType): boolean {
  const info = kvCacheTypeInfo(type);
  const native = loadAddon().typeInfo(info.ggmlTypeId);
  // the id must exist in this build with the block layout common/kv-cache-types.ts expects (ggml's own name for a
  // RotorQuant type may be spelled differently, so the layout is what is compared)
  return native !== null && native.blockValues === info.blockValues && native.blockBytes === info.blockBytes;
}

export interface KvSupportOptions {
  /** Default 'on': what the advisor plans (and a quantized V cache forces anyway). */
  flashAttention?: 'on' | 'off' | 'auto';
  /** Decoder attention shape; default Voxtral-Mini's (head size 128, 32 query / 8 KV heads). */
  shape?: { headDimK: number; headDimV: number; nHead: number; nHeadKv: number };
}

function codeOf(e: unknown): unknown {
  return (e as { code?: unknown } | null)?.code;
}

/**
 * null when `device` runs a cache of these K/V types, else the first op it lacks. A type this build does not have,
 * or that can never work with the shape, is reported as missing on every device.
 */
export function kvSupport(
  device: string,
  typeK: KvCacheType,
  typeV: KvCacheType = typeK,
  opts: KvSupportOptions = {},
): NativeKvUnsupported | null {
  for (const t of new Set([typeK, typeV])) {
    if (!kvTypeSupported(t)) {
      return {
        device,
        op: 'NONE',
        type: t,
        role: 'this build of the engine',
        message: `this build of the engine has no '${t}' KV cache type`,
      };
    }
  }
  const fa = opts.flashAttention ?? 'on';
  try {
    return loadAddon().kvSupport({
      device,
      typeK: kvCacheTypeInfo(typeK).ggmlTypeId,
      typeV: kvCacheTypeInfo(typeV).ggmlTypeId,
      flashAttn: fa === 'on' ? 1 : fa === 'off' ? 0 : -1,
      ...(opts.shape ?? {}),
    });
  } catch (e) {
    // the types cannot work with this shape or mode at all (blocks wider than the head, quantized V without FA)
    if (codeOf(e) === 'KV_TYPE_UNSUPPORTED') {
      const message = e instanceof Error ? e.message : String(e);
      return {
        device,
        op: 'NONE',
        type: typeK === typeV ? typeK : `${typeK}/${typeV}`,
        role: 'this shape',
        message,
      };
    }
    throw e;
  }
}

/** The cache types (K and V the same) that `device` runs, in the order of the common type table. */
export function kvTypesOn(device: string, opts: KvSupportOptions = {}): KvCacheType[] {
  return KV_CACHE_TYPES.map((t) => t.name).filter((t) => kvSupport(device, t, t, opts) === null);
}

/**
 * Tests only: makes the addon's guard treat these types as unsupported on these devices (only the supports_op
 * answer changes; the guard runs as it always does). Pass null to clear. Process-wide in the addon.
 */
export function setKvSupportOverrideForTests(rules: { device: string; type: KvCacheType }[] | null): void {
  try {
    loadAddon().setKvSupportOverrideForTests(
      rules ? rules.map((r) => ({ device: r.device, type: kvCacheTypeInfo(r.type).ggmlTypeId })) : null,
    );
  } catch (e) {
    throw new RotorError('INTERNAL', e instanceof Error ? e.message : String(e), { cause: e });
  }
}
