// PegasusClientError messages name the code, operation, table and where it happened, showing a
// hash key as text when printable and as (truncated) hex otherwise; retriable follows the code.
import test from 'ava';
import { invalidArgument, PegasusClientError, storageErrorName } from '../../../client/core/client-error.ts';

test('the message carries code, operation, table, hash key, partition and server', (t) => {
  const error = new PegasusClientError('ERR_OBJECT_NOT_FOUND', 'the server does not serve it', {
    table: 'users', operation: 'get', hashKey: new TextEncoder().encode('user1'), partitionIndex: 3, server: '10.0.0.1:34801',
  });
  t.is(error.message, 'ERR_OBJECT_NOT_FOUND: get on table "users" (hashKey "user1", partition 3, server 10.0.0.1:34801): the server does not serve it');
  t.true(error.retriable);
  t.is(error.name, 'PegasusClientError');
});

test('binary hash keys are shown as hex, long ones truncated', (t) => {
  const binary = new PegasusClientError('kIOError', 'x', { table: 't', operation: 'set', hashKey: Uint8Array.of(0, 255) });
  t.regex(binary.message, /hashKey 0x00ff\)/);
  const long = new PegasusClientError('kIOError', 'x', { table: 't', operation: 'set', hashKey: new Uint8Array(100).fill(0x61) });
  t.regex(long.message, /hashKey "a{64}"\.\.\. \(100 bytes\)/);
});

test('retriable follows the code unless told otherwise', (t) => {
  t.false(new PegasusClientError('ERR_HANDLER_NOT_FOUND', 'x', { table: 't', operation: 'get' }).retriable);
  t.true(new PegasusClientError('kBusy', 'x', { table: 't', operation: 'get' }).retriable);
  t.false(invalidArgument({ table: 't', operation: 'get' }, 'bad').retriable);
  t.is(invalidArgument({ table: 't', operation: 'get' }, 'bad').code, 'ERR_INVALID_PARAMETERS');
});

test('storage status codes map to RocksDB names', (t) => {
  t.deepEqual([1, 4, 7, 13, 99].map(storageErrorName), ['kNotFound', 'kInvalidArgument', 'kIncomplete', 'kTryAgain', 'kUnknown']);
});
