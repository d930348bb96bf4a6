// Proves a replica server refuses requests whose header's partition hash belongs to another
// partition (ERR_PARENT_PARTITION_MISUSED) or is not the hash of the request's key
// (ERR_INVALID_PARAMETERS), and lets through requests without a hash and unordered scans, using
// the crc64 test vectors of the reference.
import test from 'ava';
import { checkPartitionHash } from '../../../../cluster/replica/server/partition-hash.ts';
import { encodeKey } from '../../../../cluster/storage/key-schema.ts';
import { crc64 } from '../../../../common/crc64.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);
const get = (hashKey: string, sortKey = 's') => ({ kind: 'get' as const, key: encodeKey(utf8(hashKey), utf8(sortKey)) });
const hashOfA = 0x8c2f8445b4cbfc3cn; // crc64("a"): partition 4 of 8, 12 of 16

test('the reference vector', (t) => {
  t.is(crc64(utf8('a')), hashOfA);
});

test('no hash in the header: nothing is checked', (t) => {
  t.is(checkPartitionHash({ partitionHash: 0n, partitionIndex: 3, partitionCount: 8 }, get('a')), undefined);
});

test('the right partition and the key\'s own hash pass', (t) => {
  t.is(checkPartitionHash({ partitionHash: hashOfA, partitionIndex: 4, partitionCount: 8 }, get('a')), undefined);
  t.is(checkPartitionHash({ partitionHash: hashOfA, partitionIndex: 12, partitionCount: 16 }, { kind: 'sortkey_count', hashKey: utf8('a') }), undefined);
});

test('a hash of another partition is ERR_PARENT_PARTITION_MISUSED', (t) => {
  const refused = checkPartitionHash({ partitionHash: hashOfA, partitionIndex: 4, partitionCount: 16 }, get('a'));
  t.is(refused?.error, 'ERR_PARENT_PARTITION_MISUSED');
  t.regex(refused?.reason ?? '', /partition 12 of 16, not 4/);
});

test('a header hash that is not the key\'s is ERR_INVALID_PARAMETERS', (t) => {
  const hashOfHello = crc64(utf8('hello')); // partition 7 of 8
  t.is(checkPartitionHash({ partitionHash: hashOfHello, partitionIndex: 7, partitionCount: 8 }, get('a'))?.error, 'ERR_INVALID_PARAMETERS');
  t.is(checkPartitionHash({ partitionHash: hashOfHello, partitionIndex: 7, partitionCount: 8 }, get('hello')), undefined);
});

test('an empty hash key routes by the sort key', (t) => {
  const hash = crc64(utf8('sort'));
  const index = Number(hash & 7n);
  t.is(checkPartitionHash({ partitionHash: hash, partitionIndex: index, partitionCount: 8 }, get('', 'sort')), undefined);
});

test('unordered scanners send the partition index as hash and pass', (t) => {
  const scanner = {
    kind: 'get_scanner' as const, startKey: new Uint8Array(0), stopKey: new Uint8Array(0), startInclusive: true, stopInclusive: false,
    batchSize: 100, noValue: false, hashKeyFilterType: 0, hashKeyFilterPattern: new Uint8Array(0), sortKeyFilterType: 0,
    sortKeyFilterPattern: new Uint8Array(0), fullScan: true,
  };
  t.is(checkPartitionHash({ partitionHash: 5n, partitionIndex: 5, partitionCount: 8 }, scanner), undefined);
  t.is(checkPartitionHash({ partitionHash: 5n, partitionIndex: 6, partitionCount: 8 }, scanner)?.error, 'ERR_PARENT_PARTITION_MISUSED');
});
