/**
 * Compatibility shim, not used by renderer <-> main IPC any more (that is valibot: schema.ts, ipc-contract.ts).
 * Only the engine worker's method parsers (main/engine/host/builtin-methods.ts, runtime-methods.ts, job-method.ts)
 * still use these hand-written validators; once they move to valibot schemas + `check` from schema.ts, delete it.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };
export type Validator<T> = (value: unknown, path?: string) => Checked<T>;
export type Infer<V> = V extends Validator<infer T> ? T : never;

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = (path: string, expected: string, value: unknown): Checked<never> => ({
  ok: false,
  problem: `${path || 'payload'}: expected ${expected}, got ${describe(value)}`,
});

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return value.length > 40 ? 'a long string' : JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  return typeof value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function str(opts: { min?: number; max?: number; pattern?: RegExp } = {}): Validator<string> {
  const { min = 0, max = 10_000, pattern } = opts;
  return (value, path = '') => {
    if (typeof value !== 'string') return fail(path, 'a string', value);
    if (value.length < min || value.length > max)
      return fail(path, `a string of ${min}..${max} chars`, value);
    if (pattern && !pattern.test(value)) return fail(path, `a string matching ${pattern.source}`, value);
    return ok(value);
  };
}

export function num(opts: { min?: number; max?: number; integer?: boolean } = {}): Validator<number> {
  const { min = -Number.MAX_VALUE, max = Number.MAX_VALUE, integer = false } = opts;
  return (value, path = '') => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return fail(path, 'a finite number', value);
    if (integer && !Number.isInteger(value)) return fail(path, 'an integer', value);
    if (value < min || value > max) return fail(path, `a number in ${min}..${max}`, value);
    return ok(value);
  };
}

export const bool: Validator<boolean> = (value, path = '') =>
  typeof value === 'boolean' ? ok(value) : fail(path, 'a boolean', value);

export function oneOf<const T extends readonly (string | number | boolean | null)[]>(
  ...choices: T
): Validator<T[number]> {
  return (value, path = '') =>
    choices.some((c) => c === value)
      ? ok(value as T[number])
      : fail(path, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value);
}

export function either<A, B>(a: Validator<A>, b: Validator<B>): Validator<A | B> {
  return (value, path = '') => {
    const first = a(value, path);
    if (first.ok) return first;
    const second = b(value, path);
    if (second.ok) return second;
    return { ok: false, problem: `${first.problem}; or ${second.problem}` };
  };
}

export function arrayOf<T>(item: Validator<T>, opts: { max?: number } = {}): Validator<T[]> {
  const { max = 10_000 } = opts;
  return (value, path = '') => {
    if (!Array.isArray(value)) return fail(path, 'an array', value);
    if (value.length > max) return fail(path, `at most ${max} items`, `${value.length} items`);
    const out: T[] = [];
    for (let i = 0; i < value.length; i++) {
      const r = item(value[i], `${path}[${i}]`);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return ok(out);
  };
}

type Shape = Record<string, Validator<unknown>>;
type FromShape<S extends Shape> = { [K in keyof S]: Infer<S[K]> };
type FromOptionalShape<S extends Shape> = { [K in keyof S]?: Infer<S[K]> };

/**
 * An object with exactly these keys (required) plus optional ones. Unknown keys are rejected: a payload carrying
 * fields the contract does not name is a bug or a probe, never something to pass along silently.
 */
export function object<R extends Shape, O extends Shape = Record<never, never>>(
  required: R,
  optional?: O,
): Validator<FromShape<R> & FromOptionalShape<O>> {
  return (value, path = '') => {
    if (!isPlainObject(value)) return fail(path, 'an object', value);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(required, key) && !(optional && Object.hasOwn(optional, key))) {
        return { ok: false, problem: `${path ? path + '.' : ''}${key}: unexpected field` };
      }
    }
    for (const [key, check] of Object.entries(required)) {
      const r = check(value[key], path ? `${path}.${key}` : key);
      if (!r.ok) return r;
      out[key] = r.value;
    }
    if (optional) {
      for (const [key, check] of Object.entries(optional)) {
        if (value[key] === undefined) continue;
        const r = check(value[key], path ? `${path}.${key}` : key);
        if (!r.ok) return r;
        out[key] = r.value;
      }
    }
    return ok(out as FromShape<R> & FromOptionalShape<O>);
  };
}

/** No payload: `undefined` (what `invoke(channel)` sends) or an empty object. */
export const empty: Validator<Record<string, never>> = (value, path = '') => {
  if (value === undefined) return ok({});
  if (isPlainObject(value) && Object.keys(value).length === 0) return ok({});
  return fail(path, 'no payload', value);
};
