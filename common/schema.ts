/**
 * The few valibot building blocks every cross-process schema uses, and `check`, which turns valibot's first issue
 * into one readable line (`files[3].name: too long (at most 1000 characters)`) for IPC_INVALID_PAYLOAD's detail.
 * Objects come from `object` / `partial` here, never `v.object` (which drops unknown fields silently): a payload
 * carrying fields the contract does not name is a bug or a probe, never something to pass along.
 */
import * as v from 'valibot';

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Any schema whose output is T (what `check` and the channel registry accept). */
export type Schema<T = unknown> = v.GenericSchema<unknown, T>;
export type Output<S extends v.GenericSchema> = v.InferOutput<S>;

export function str(opts: { min?: number; max: number; pattern?: RegExp }) {
  const { min = 0, max, pattern } = opts;
  return v.pipe(
    v.string(),
    v.minLength(min),
    v.maxLength(max),
    v.check((s) => !pattern || pattern.test(s), `does not match ${pattern?.source ?? ''}`),
  );
}

/** A finite number (valibot's number() admits ±Infinity), optionally an integer, within [min, max]. */
export function num(opts: { min?: number; max?: number; integer?: boolean } = {}) {
  const { min = -Number.MAX_VALUE, max = Number.MAX_VALUE, integer = false } = opts;
  return v.pipe(
    v.number(),
    v.finite(),
    v.check(
      (n) => !integer || Number.isInteger(n),
      (issue) => `expected an integer, got ${issue.received}`,
    ),
    v.minValue(min),
    v.maxValue(max),
  );
}

export const bool = v.boolean();

/**
 * valibot's strictObject spots unknown keys with `key in entries`, which is true for `__proto__`, `constructor`,
 * `toString`… of a normal object, so those would be dropped instead of refused. Entries without a prototype fix it.
 */
function ownEntries<E extends v.ObjectEntries>(entries: E): E {
  return Object.assign(Object.create(null) as E, entries);
}

/** An object with exactly these fields (wrap optional ones in `v.optional`); any other key is refused. */
export function object<const E extends v.ObjectEntries>(entries: E): v.StrictObjectSchema<E, undefined> {
  return v.strictObject(ownEntries(entries));
}

/** Every field of `schema` optional, unknown keys still refused. */
export function partial<const S extends v.StrictObjectSchema<v.ObjectEntries, undefined>>(schema: S) {
  const out = v.partial(schema);
  return Object.assign(out, { entries: ownEntries(out.entries) });
}

export function list<S extends v.GenericSchema>(item: S, opts: { max: number }) {
  return v.pipe(v.array(item), v.maxLength(opts.max));
}

/** No payload: `undefined` (what `invoke(channel)` sends) or `{}`; both come out as a fresh `{}`. */
export const empty = v.optional(object({}), () => ({}));

// ---------------------------------------------------------------------------------------------------------------
// Readable problems

type Issue = v.BaseIssue<unknown>;

function shortened(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Keys can come from the sender (an unexpected field), so each is shortened: the problem must fit in `detail`. */
function pathOf(issue: Issue): string {
  let out = '';
  for (const item of issue.path ?? []) {
    const key: unknown = item.key;
    out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${shortened(String(key))}`;
  }
  return out || 'payload';
}

function describeIssue(issue: Issue): string {
  const many = Array.isArray(issue.input);
  const what = many ? 'items' : 'characters';
  switch (issue.type) {
    case 'strict_object':
      if (issue.kind === 'schema' && issue.path?.at(-1)?.origin === 'key') {
        return issue.expected === 'never' ? 'unexpected field' : 'missing';
      }
      break;
    case 'max_length':
      return `${many ? 'too many items' : 'too long'} (at most ${String(issue.requirement)} ${what})`;
    case 'min_length':
      return `${many ? 'too few items' : 'too short'} (at least ${String(issue.requirement)} ${what})`;
    case 'max_value':
      return `too large (at most ${String(issue.requirement)}), got ${issue.received}`;
    case 'min_value':
      return `too small (at least ${String(issue.requirement)}), got ${issue.received}`;
    case 'finite':
      return `expected a finite number, got ${issue.received}`;
  }
  // Our own messages (check(), regex()) are already readable; valibot's defaults get the short form.
  if (issue.kind === 'validation' && !issue.message.startsWith('Invalid ')) return issue.message;
  return `expected ${shortened(issue.expected ?? 'something else')}, got ${shortened(issue.received)}`;
}

export function problemOf(issues: readonly Issue[]): string {
  const first = issues[0];
  return first ? `${pathOf(first)}: ${describeIssue(first)}` : 'payload: invalid';
}

/** Validates `value`; stops at the first issue (cheap on hostile input) and names where it is. */
export function check<S extends v.GenericSchema>(schema: S, value: unknown): Checked<v.InferOutput<S>> {
  const r = v.safeParse(schema, value, { abortEarly: true });
  return r.success ? { ok: true, value: r.output } : { ok: false, problem: problemOf(r.issues) };
}

/** True only when A and B are the same type; `const _x: TypeEqual<A, B> = true` fails to compile otherwise. */
export type TypeEqual<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
