/**
 * What the pure parser reports: a format problem (truncated or invalid, said without the path, which the parser
 * does not know), or that the bytes it was given end before the header does and it needs a longer prefix.
 */

export type GgufProblemKind = 'truncated' | 'invalid';

export class GgufProblem extends Error {
  constructor(
    readonly kind: GgufProblemKind,
    message: string,
  ) {
    super(message);
    this.name = 'GgufProblem';
  }
}

/** Not an error: the caller reads the file up to `end` and parses again. */
export class NeedBytes {
  constructor(readonly end: number) {}
}
