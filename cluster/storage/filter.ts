// Key filters of multi_get and scans (pegasus_server_impl::validate_filter): FT_NO_FILTER matches
// everything; anywhere / prefix / postfix test the pattern against the key; an empty pattern
// matches everything. Unsupported types are refused earlier by validate-request.ts.

import { assert } from '../../common/assert.ts';
import { endsWith, includesBytes, startsWith } from './bytes-match.ts';
import { FilterType } from './requests.ts';

export function matchesFilter(type: number, pattern: Uint8Array, bytes: Uint8Array): boolean {
  if (type === FilterType.noFilter || pattern.length === 0) return true;
  if (type === FilterType.matchAnywhere) return includesBytes(bytes, pattern);
  if (type === FilterType.matchPrefix) return startsWith(bytes, pattern);
  assert(type === FilterType.matchPostfix, `unsupported filter type ${type} reached matching`);
  return endsWith(bytes, pattern);
}
