import type { SQLOutputValue } from 'node:sqlite';
import { RotorError } from '@common/errors';

/** A result row as node:sqlite returns it; read only through the checked accessors below. */
export type Row = Record<string, SQLOutputValue>;

function mismatch(column: string, expected: string, value: unknown): RotorError {
  return new RotorError('LIBRARY_CORRUPT', 'The library holds a value of an unexpected type.', {
    detail: `${column}: expected ${expected}, got ${typeof value}`,
  });
}

function isNull(row: Row, column: string): boolean {
  return row[column] === null || row[column] === undefined;
}

export function text(row: Row, column: string): string {
  const v = row[column];
  if (typeof v !== 'string') throw mismatch(column, 'text', v);
  return v;
}

export function optText(row: Row, column: string): string | undefined {
  return isNull(row, column) ? undefined : text(row, column);
}

export function num(row: Row, column: string): number {
  const v = row[column];
  if (typeof v !== 'number') throw mismatch(column, 'number', v);
  return v;
}

export function optNum(row: Row, column: string): number | undefined {
  return isNull(row, column) ? undefined : num(row, column);
}

export function rows(value: unknown[]): Row[] {
  return value as Row[];
}

export function row(value: unknown): Row | undefined {
  return value as Row | undefined;
}
