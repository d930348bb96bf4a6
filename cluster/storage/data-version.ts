// The data version bookkeeping value (Pegasus's pegasus_data_version, kept under DATA_VERSION_KEY):
// a u32 BE. Version 1 is the v1 value schema of value-schema.ts, the only one written here.

export function encodeDataVersion(version: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, version);
  return out;
}

export function decodeDataVersion(bytes: Uint8Array): number {
  if (bytes.length !== 4) throw new Error(`bookkeeping data version is ${bytes.length} bytes, expected 4`);
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
}

