// The one error type for operating errors: a code from a const union (Pegasus's error names where
// they exist), whether retrying can help, and what was being done in the message. Each area narrows
// the code union in a subclass named for it, so callers can still tell a log failure from a store
// failure. Programmer errors are AssertionError (common/assert.ts), never this.

export class PegasusError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly retriable: boolean,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}
