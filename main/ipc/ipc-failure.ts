// A failure a handler reports to the UI with a stable code (see ApiErrorCode in the contract).
import { HushError } from '../engine/types.ts';
import { ApiErrorCodeSchema, type ApiError, type ApiErrorCode } from './contract.ts';

export class IpcFailure extends Error {
  constructor(readonly code: ApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IpcFailure';
  }
}

/** Map anything a handler threw to the wire form; unknown errors become 'internal' with their message. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof IpcFailure) return { code: err.code, message: err.message };
  if (err instanceof HushError) return { code: err.code, message: err.message };
  // Errors rebuilt by the engine client after crossing the process boundary carry a code property.
  if (err instanceof Error && 'code' in err) {
    const code = ApiErrorCodeSchema.safeParse(err.code);
    if (code.success) return { code: code.data, message: err.message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message: message || 'Something went wrong.' };
}
