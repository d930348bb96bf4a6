// Byte matching shared by filters and checks: prefix, postfix and substring tests. Pure.

export function startsWith(bytes: Uint8Array, pattern: Uint8Array): boolean {
  if (pattern.length > bytes.length) return false;
  for (let i = 0; i < pattern.length; i++) if (bytes[i] !== pattern[i]) return false;
  return true;
}

export function endsWith(bytes: Uint8Array, pattern: Uint8Array): boolean {
  if (pattern.length > bytes.length) return false;
  const offset = bytes.length - pattern.length;
  for (let i = 0; i < pattern.length; i++) if (bytes[offset + i] !== pattern[i]) return false;
  return true;
}

export function includesBytes(bytes: Uint8Array, pattern: Uint8Array): boolean {
  if (pattern.length === 0) return true;
  const last = bytes.length - pattern.length;
  outer: for (let start = 0; start <= last; start++) {
    for (let i = 0; i < pattern.length; i++) if (bytes[start + i] !== pattern[i]) continue outer;
    return true;
  }
  return false;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
