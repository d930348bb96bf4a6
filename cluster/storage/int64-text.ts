// Integers stored as text, parsed and printed exactly as Pegasus does (src/utils/string_conv.h
// buf2int64): C strtoll with base 0 over the WHOLE buffer. Accepted: leading C whitespace, one sign,
// then "0x"/"0X" + hex digits, or "0" + octal digits, or decimal digits; nothing may follow the
// digits (no trailing whitespace, no NUL). A value outside int64 fails (strtoll sets ERANGE).

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;

/** The int64 value of `bytes`, or undefined when Pegasus's buf2int64 would refuse it. */
export function parseInt64(bytes: Uint8Array): bigint | undefined {
  if (bytes.length === 0) return undefined;
  let i = 0;
  while (i < bytes.length && isCSpace(bytes[i]!)) i++;
  let negative = false;
  if (bytes[i] === PLUS || bytes[i] === MINUS) {
    negative = bytes[i] === MINUS;
    i++;
  }
  let base = 10n;
  if (bytes[i] === ZERO && (bytes[i + 1] === LOWER_X || bytes[i + 1] === UPPER_X)) {
    // strtoll takes "0x" as a prefix only when a hex digit follows; otherwise it stops after the
    // "0" and the "x" is left over, which fails the whole-buffer rule.
    if (i + 2 >= bytes.length || digitValue(bytes[i + 2]!) >= 16) return undefined;
    base = 16n;
    i += 2;
  } else if (bytes[i] === ZERO) {
    base = 8n;
  }
  if (i >= bytes.length) return undefined;
  let magnitude = 0n;
  for (; i < bytes.length; i++) {
    const digit = digitValue(bytes[i]!);
    if (BigInt(digit) >= base) return undefined;
    magnitude = magnitude * base + BigInt(digit);
    if (magnitude > LIMIT) return undefined;
  }
  const value = negative ? -magnitude : magnitude;
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

/** Decimal ASCII, as std::to_string(int64). */
export function formatInt64(value: bigint): Uint8Array {
  return new TextEncoder().encode(value.toString());
}

export function isInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

/** Stops accumulating once past anything representable; keeps BigInt sizes bounded. */
const LIMIT = 1n << 64n;
const PLUS = 0x2b;
const MINUS = 0x2d;
const ZERO = 0x30;
const LOWER_X = 0x78;
const UPPER_X = 0x58;

function isCSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/** 0-35 for 0-9, a-z, A-Z; 99 for anything else. */
function digitValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x7a) return byte - 0x61 + 10;
  if (byte >= 0x41 && byte <= 0x5a) return byte - 0x41 + 10;
  return 99;
}
