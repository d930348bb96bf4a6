// A Partition over each engine of engineFactories, with a manual clock, an auto-incrementing decree
// and builders for every data request, so operation tests read as the behaviour they check.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ManualClock } from '../../common/clock.ts';
import type { KvEngine, KvEntry } from '../../cluster/storage/engine.ts';
import { encodeKey } from '../../cluster/storage/key-schema.ts';
import { Partition } from '../../cluster/storage/partition.ts';
import type { PartitionOptions } from '../../cluster/storage/partition.ts';
import type {
  CheckAndMutateRequest, CheckAndSetRequest, GetScannerRequest, MultiGetRequest, Mutate, WriteRequest,
} from '../../cluster/storage/requests.ts';
import type { WriteResponse } from '../../cluster/storage/responses.ts';
import { EPOCH_2016_UNIX_SECONDS } from '../../cluster/storage/value-schema.ts';
import { engineFactories } from './engines.ts';

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
export const key = (hashKey: string, sortKey: string): Uint8Array => encodeKey(utf8(hashKey), utf8(sortKey));

export class Harness {
  private decree: bigint;

  constructor(
    readonly engine: KvEngine,
    readonly partition: Partition,
    readonly clock: ManualClock,
  ) {
    this.decree = partition.appliedDecree;
  }

  /** Seconds since 2016 by the manual clock. */
  now(): number {
    return Math.floor(this.clock.nowMs() / 1000) - EPOCH_2016_UNIX_SECONDS;
  }

  /** Applies one mutation holding `requests` at the next decree, stamped with the clock's time. */
  async apply(...requests: WriteRequest[]): Promise<WriteResponse[]> {
    this.decree++;
    const result = await this.partition.applyMutation({
      decree: this.decree,
      timestampUs: BigInt(this.clock.nowMs()) * 1000n,
      requests,
    });
    if (result.kind !== 'applied') throw new Error(`decree ${this.decree} was not applied`);
    return [...result.responses];
  }

  async applyOne<R extends WriteResponse>(request: WriteRequest): Promise<R> {
    const [response] = await this.apply(request);
    return response as R;
  }

  /** Every engine entry, bookkeeping included: for "nothing changed" assertions. */
  async dump(): Promise<KvEntry[]> {
    const iterator = this.engine.iterator();
    const entries: KvEntry[] = [];
    for (let entry = await iterator.next(); entry !== undefined; entry = await iterator.next()) {
      entries.push({ key: entry.key.slice(), value: entry.value.slice() });
    }
    await iterator.close();
    return entries;
  }

  /** Every entry except the applied decree, which moves with every mutation. */
  async dataDump(): Promise<KvEntry[]> {
    return (await this.dump()).filter((entry) => !(entry.key[0] === 0xff && entry.key[1] === 0xff));
  }
}

/** Registers one ava test per engine; each gets a fresh partition. */
export function engineTest(
  title: string,
  body: (t: ExecutionContext, harness: Harness) => Promise<void>,
  options: Omit<PartitionOptions, 'clock'> = {},
): void {
  for (const factory of engineFactories) {
    test(`${factory.name}: ${title}`, async (t) => {
      const { engine, cleanup } = await factory.open();
      const clock = new ManualClock();
      const partition = await Partition.open(engine, { clock, ...options });
      try {
        await body(t, new Harness(engine, partition, clock));
      } finally {
        await partition.close();
        await cleanup();
      }
    });
  }
}

// --- request builders (defaults as the Java client sends them) ---

export function put(hashKey: string, sortKey: string, value: string, expireTsSeconds = 0): WriteRequest {
  return { kind: 'put', key: key(hashKey, sortKey), value: utf8(value), expireTsSeconds };
}

export function remove(hashKey: string, sortKey: string): WriteRequest {
  return { kind: 'remove', key: key(hashKey, sortKey) };
}

export function multiPut(hashKey: string, kvs: Record<string, string>, expireTsSeconds = 0): WriteRequest {
  return {
    kind: 'multi_put',
    hashKey: utf8(hashKey),
    kvs: Object.entries(kvs).map(([sortKey, value]) => ({ key: utf8(sortKey), value: utf8(value) })),
    expireTsSeconds,
  };
}

export function multiRemove(hashKey: string, sortKeys: string[]): WriteRequest {
  return { kind: 'multi_remove', hashKey: utf8(hashKey), sortKeys: sortKeys.map(utf8) };
}

export function incr(hashKey: string, sortKey: string, increment: bigint, expireTsSeconds = 0): WriteRequest {
  return { kind: 'incr', key: key(hashKey, sortKey), increment, expireTsSeconds };
}

export function checkAndSet(fields: Partial<Omit<CheckAndSetRequest, 'kind' | 'hashKey' | 'checkSortKey'>> & { hashKey: string; checkSortKey: string; checkType: number }): CheckAndSetRequest {
  return {
    checkOperand: new Uint8Array(0),
    setDiffSortKey: false,
    setSortKey: new Uint8Array(0),
    setValue: new Uint8Array(0),
    setExpireTsSeconds: 0,
    returnCheckValue: false,
    ...fields,
    kind: 'check_and_set',
    hashKey: utf8(fields.hashKey),
    checkSortKey: utf8(fields.checkSortKey),
  };
}

export function checkAndMutate(fields: Partial<Omit<CheckAndMutateRequest, 'kind' | 'hashKey' | 'checkSortKey'>> & { hashKey: string; checkSortKey: string; checkType: number; mutateList: Mutate[] }): CheckAndMutateRequest {
  return {
    checkOperand: new Uint8Array(0),
    returnCheckValue: false,
    ...fields,
    kind: 'check_and_mutate',
    hashKey: utf8(fields.hashKey),
    checkSortKey: utf8(fields.checkSortKey),
  };
}

export function mutatePut(sortKey: string, value: string, setExpireTsSeconds = 0): Mutate {
  return { operation: 0, sortKey: utf8(sortKey), value: utf8(value), setExpireTsSeconds };
}

export function mutateDelete(sortKey: string): Mutate {
  return { operation: 1, sortKey: utf8(sortKey), value: new Uint8Array(0), setExpireTsSeconds: 0 };
}

export function multiGet(hashKey: string, fields: Partial<MultiGetRequest> = {}): MultiGetRequest {
  return {
    kind: 'multi_get',
    hashKey: utf8(hashKey),
    sortKeys: [],
    maxKvCount: -1,
    maxKvSize: -1,
    noValue: false,
    startSortkey: new Uint8Array(0),
    stopSortkey: new Uint8Array(0),
    startInclusive: true,
    stopInclusive: false,
    sortKeyFilterType: 0,
    sortKeyFilterPattern: new Uint8Array(0),
    reverse: false,
    ...fields,
  };
}

export function getScanner(fields: Partial<GetScannerRequest> = {}): GetScannerRequest {
  return {
    kind: 'get_scanner',
    startKey: Uint8Array.of(0, 0),
    stopKey: Uint8Array.of(0xff, 0xff),
    startInclusive: true,
    stopInclusive: false,
    batchSize: 100,
    noValue: false,
    hashKeyFilterType: 0,
    hashKeyFilterPattern: new Uint8Array(0),
    sortKeyFilterType: 0,
    sortKeyFilterPattern: new Uint8Array(0),
    ...fields,
  };
}

/** Makes every look at the monotonic clock move it (and the wall clock) on by `stepMs`. */
export function slowClockDown(clock: ManualClock, stepMs: number): void {
  const read = clock.monotonicMs.bind(clock);
  clock.monotonicMs = () => {
    clock.advance(stepMs);
    return read();
  };
}
