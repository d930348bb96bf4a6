// Pegasus's partition hash: a reflected CRC-64 with the non-standard polynomial 0x9A6C9329AC4BC9B5
// (reflected form), init and xorout all ones (reference/pegasus-api.md section 2.1). Edge-safe:
// Uint8Array and 32-bit integer arithmetic only; the table is built once from the polynomial and
// kept as two Uint32Array halves so the inner loop avoids BigInt.

const POLY_HIGH = 0x9a6c9329;
const POLY_LOW = 0xac4bc9b5;

const TABLE_HIGH = new Uint32Array(256);
const TABLE_LOW = new Uint32Array(256);

for (let i = 0; i < 256; i++) {
  let high = 0;
  let low = i;
  for (let bit = 0; bit < 8; bit++) {
    const carry = low & 1;
    low = ((low >>> 1) | ((high & 1) << 31)) >>> 0;
    high >>>= 1;
    if (carry !== 0) {
      high = (high ^ POLY_HIGH) >>> 0;
      low = (low ^ POLY_LOW) >>> 0;
    }
  }
  TABLE_HIGH[i] = high;
  TABLE_LOW[i] = low;
}

/** The table entry T[i] as a bigint (for tests against the reference's check values). */
export function crc64TableEntry(index: number): bigint {
  return (BigInt(TABLE_HIGH[index] ?? 0) << 32n) | BigInt(TABLE_LOW[index] ?? 0);
}

/** crc64 of `bytes` as an unsigned 64-bit bigint, equal to Pegasus's crc64_calc(bytes, len, 0). */
export function crc64(bytes: Uint8Array): bigint {
  const [high, low] = crc64Halves(bytes);
  return (BigInt(high) << 32n) | BigInt(low);
}

/**
 * The low 32 bits of crc64(bytes). Enough to take the partition index for any power-of-two
 * partition count up to 2^32, without BigInt on the caller's hot path.
 */
export function crc64Low32(bytes: Uint8Array): number {
  return crc64Halves(bytes)[1];
}

function crc64Halves(bytes: Uint8Array): [high: number, low: number] {
  let high = 0xffffffff;
  let low = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    const index = (low ^ (bytes[i] ?? 0)) & 0xff;
    const shiftedLow = ((low >>> 8) | (high << 24)) >>> 0;
    const shiftedHigh = high >>> 8;
    low = (shiftedLow ^ (TABLE_LOW[index] ?? 0)) >>> 0;
    high = (shiftedHigh ^ (TABLE_HIGH[index] ?? 0)) >>> 0;
  }
  return [(high ^ 0xffffffff) >>> 0, (low ^ 0xffffffff) >>> 0];
}
