/** The wire form of a RotorError (errors.ts), as a schema: every process boundary that carries errors uses it. */
import * as v from 'valibot';
import { ERROR_CODES, type ErrorCode, type ErrorPayload } from './errors';
import { object, str, type TypeEqual } from './schema';

export const errorPayloadSchema = object({
  code: v.picklist(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
  message: str({ max: 4000 }),
  hint: v.optional(str({ max: 4000 })),
  detail: v.optional(str({ max: 20_000 })),
});
// ErrorPayload stays in errors.ts (every layer uses it, most without a schema library); this keeps the two equal.
const _errorPayloadMatches: TypeEqual<v.InferOutput<typeof errorPayloadSchema>, ErrorPayload> = true;
