// Whether a key lies inside a KeyRange's bounds; shared by both engines so that they agree.

import type { KeyRange } from './engine.ts';
import { compareBytes } from './key-schema.ts';

export function isOutsideRange(key: Uint8Array, range: KeyRange): boolean {
  return (range.gte !== undefined && compareBytes(key, range.gte) < 0)
    || (range.gt !== undefined && compareBytes(key, range.gt) <= 0)
    || (range.lte !== undefined && compareBytes(key, range.lte) > 0)
    || (range.lt !== undefined && compareBytes(key, range.lt) >= 0);
}
