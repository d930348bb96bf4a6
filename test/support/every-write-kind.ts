// One request of every replicated write kind, with every field set to something non-default.
import type { WriteRequest } from '../../cluster/storage/requests.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

export const EVERY_WRITE_KIND: readonly WriteRequest[] = [
  { kind: 'put', key: bytes('\u0000\u0001hk'), value: bytes('value'), expireTsSeconds: 12 },
  { kind: 'multi_put', hashKey: bytes('h'), kvs: [{ key: bytes('s1'), value: bytes('v1') }, { key: bytes('s2'), value: bytes('') }], expireTsSeconds: 0 },
  { kind: 'remove', key: bytes('\u0000\u0001hk') },
  { kind: 'multi_remove', hashKey: bytes('h'), sortKeys: [bytes('s1'), bytes('s2')], maxCount: 0n },
  { kind: 'incr', key: bytes('\u0000\u0001hc'), increment: -5n, expireTsSeconds: -1 },
  {
    kind: 'check_and_set', hashKey: bytes('h'), checkSortKey: bytes('c'), checkType: 3, checkOperand: bytes('x'),
    setDiffSortKey: true, setSortKey: bytes('s'), setValue: bytes('v'), setExpireTsSeconds: 7, returnCheckValue: true,
  },
  {
    kind: 'check_and_mutate', hashKey: bytes('h'), checkSortKey: bytes('c'), checkType: 1, checkOperand: bytes(''),
    mutateList: [
      { operation: 0, sortKey: bytes('a'), value: bytes('1'), setExpireTsSeconds: 0 },
      { operation: 1, sortKey: bytes('b'), value: bytes(''), setExpireTsSeconds: 0 },
    ],
    returnCheckValue: false,
  },
];

