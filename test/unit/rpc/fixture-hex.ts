// Golden byte fixtures for the RPC codec: hex text files under fixtures/, where "#" starts a
// comment and whitespace is ignored.
import { readFileSync } from 'node:fs';

const directory = new URL('./fixtures/', import.meta.url);

export function parseHex(text: string): Uint8Array {
  const digits = text.split('\n').map((line) => line.split('#')[0] ?? '').join('').replace(/\s+/g, '');
  if (digits.length % 2 !== 0 || /[^0-9a-fA-F]/.test(digits)) throw new Error('fixture is not hex');
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function fixture(name: string): Uint8Array {
  return parseHex(readFileSync(new URL(name, directory), 'utf8'));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
