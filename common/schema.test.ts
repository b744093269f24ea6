import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { check, empty, list, num, object, partial, str } from './schema';

describe('schema building blocks', () => {
  it('str enforces type, length and pattern', () => {
    const s = str({ min: 2, max: 4, pattern: /^[a-z]+$/ });
    expect(check(s, 'abc')).toEqual({ ok: true, value: 'abc' });
    expect(check(s, 'a')).toEqual({ ok: false, problem: 'payload: too short (at least 2 characters)' });
    expect(check(s, 'abcde')).toEqual({ ok: false, problem: 'payload: too long (at most 4 characters)' });
    expect(check(s, 'AB')).toEqual({ ok: false, problem: 'payload: does not match ^[a-z]+$' });
    expect(check(s, 12)).toEqual({ ok: false, problem: 'payload: expected string, got 12' });
  });

  it('num rejects NaN, Infinity, non-integers and out-of-range values', () => {
    const s = num({ min: 0, max: 10, integer: true });
    expect(check(s, 3)).toEqual({ ok: true, value: 3 });
    for (const bad of [NaN, Infinity, -Infinity, 1.5, -1, 11, '3', null])
      expect(check(s, bad).ok).toBe(false);
    expect(check(s, 1.5)).toEqual({ ok: false, problem: 'payload: expected an integer, got 1.5' });
    expect(check(s, 11)).toEqual({ ok: false, problem: 'payload: too large (at most 10), got 11' });
    expect(check(s, Infinity)).toEqual({
      ok: false,
      problem: 'payload: expected a finite number, got Infinity',
    });
  });

  it('strict objects reject unknown fields and name missing ones', () => {
    const s = object({ a: num(), b: v.optional(str({ max: 5 })) });
    expect(check(s, { a: 1 })).toEqual({ ok: true, value: { a: 1 } });
    expect(check(s, { a: 1, b: 'x' })).toEqual({ ok: true, value: { a: 1, b: 'x' } });
    expect(check(s, { a: 1, evil: true })).toEqual({ ok: false, problem: 'evil: unexpected field' });
    expect(check(s, { b: 'x' })).toEqual({ ok: false, problem: 'a: missing' });
    expect(check(s, null).ok).toBe(false);
    expect(check(s, 'x').ok).toBe(false);
    // JSON.parse makes __proto__ an own key: an unknown field, not a prototype
    expect(check(s, JSON.parse('{"a":1,"__proto__":{"x":1}}'))).toEqual({
      ok: false,
      problem: '__proto__: unexpected field',
    });
    for (const key of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(check(s, { a: 1, [key]: 1 })).toEqual({ ok: false, problem: `${key}: unexpected field` });
      expect(check(partial(s), { [key]: 1 })).toEqual({ ok: false, problem: `${key}: unexpected field` });
    }
  });

  it('nested paths name the offending field and index', () => {
    const s = object({ files: list(object({ name: str({ max: 3 }) }), { max: 10 }) });
    const files = [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'dddd' }];
    expect(check(s, { files })).toEqual({
      ok: false,
      problem: 'files[3].name: too long (at most 3 characters)',
    });
    expect(check(s, { files: [{ name: 'a' }, { name: 7 }] })).toEqual({
      ok: false,
      problem: 'files[1].name: expected string, got 7',
    });
  });

  it('list caps the length', () => {
    expect(check(list(num(), { max: 2 }), [1, 2, 3])).toEqual({
      ok: false,
      problem: 'payload: too many items (at most 2 items)',
    });
  });

  it('empty accepts undefined and {} only, and never hands out a shared object', () => {
    const a = check(empty, undefined);
    const b = check(empty, {});
    expect(a).toEqual({ ok: true, value: {} });
    expect(b).toEqual({ ok: true, value: {} });
    if (a.ok && b.ok) expect(a.value).not.toBe(b.value);
    expect(check(empty, { x: 1 })).toEqual({ ok: false, problem: 'x: unexpected field' });
    expect(check(empty, 'x').ok).toBe(false);
  });

  it('a long wrong value or a long unknown key is shortened in the problem', () => {
    const r = check(v.picklist(['a', 'b']), 'z'.repeat(10_000));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.length).toBeLessThan(120);
    const key = check(object({ a: num() }), { a: 1, ['k'.repeat(100_000)]: 1 });
    expect(key).toEqual({ ok: false, problem: `${'k'.repeat(57)}...: unexpected field` });
  });
});
