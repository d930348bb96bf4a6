// Proves the Partition agrees with a small reference model, written independently here, on random
// sequences of writes (put, multi_put, remove, multi_remove, incr, check_and_set, check_and_mutate,
// batched mutations), reads (get, ttl, multi_get in both modes, batch_get, sortkey_count, full
// scans with filters and batch sizes) and clock advances that expire records: every response's
// status and data must match the model's, and every non-ok response must carry a message.
import test from 'ava';
import fc from 'fast-check';
import { ManualClock } from '../../../common/clock.ts';
import { encodeKey, decodeKey } from '../../../cluster/storage/key-schema.ts';
import type { KvEngine, WriteOp } from '../../../cluster/storage/engine.ts';
import { Partition } from '../../../cluster/storage/partition.ts';
import type { KeyValue, Mutate, WriteRequest } from '../../../cluster/storage/requests.ts';
import type { WriteResponse } from '../../../cluster/storage/responses.ts';
import { EPOCH_2016_UNIX_SECONDS } from '../../../cluster/storage/value-schema.ts';
import { engineFactories } from '../../support/engines.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

// ---------- the reference model ----------

interface Rec { value: string; expireTs: number }
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

class Model {
  readonly records = new Map<string, Rec>();
  private id(hk: string, sk: string): string { return JSON.stringify([hk, sk]); }
  raw(hk: string, sk: string): Rec | undefined { return this.records.get(this.id(hk, sk)); }
  visible(hk: string, sk: string, now: number): Rec | undefined {
    const r = this.raw(hk, sk);
    return r !== undefined && !(r.expireTs > 0 && r.expireTs <= now) ? r : undefined;
  }
  set(hk: string, sk: string, value: string, expireTs: number): void { this.records.set(this.id(hk, sk), { value, expireTs }); }
  del(hk: string, sk: string): void { this.records.delete(this.id(hk, sk)); }
  /** All records sorted as the composite key sorts: hash key length, hash key, sort key (ASCII here). */
  sorted(): { hk: string; sk: string; rec: Rec }[] {
    const all = [...this.records.entries()].map(([id, rec]) => {
      const [hk, sk] = JSON.parse(id) as [string, string];
      return { hk, sk, rec };
    });
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return all.sort((a, b) => a.hk.length - b.hk.length || cmp(a.hk, b.hk) || cmp(a.sk, b.sk));
  }
}

function strtoll(text: string): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (m === null) return undefined;
  const digits = m[2]!;
  const magnitude = /^0[xX]/.test(digits) ? BigInt(digits) : digits.startsWith('0') ? BigInt(`0o${digits.slice(1) || '0'}`) : BigInt(digits);
  const value = m[1] === '-' ? -magnitude : magnitude;
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

type CheckResult = 'pass' | 'fail' | 'invalid';
function check(type: number, operand: string, rec: Rec | undefined): CheckResult {
  const ok = (b: boolean): CheckResult => (b ? 'pass' : 'fail');
  const exists = rec !== undefined;
  const v = rec?.value ?? '';
  if (type === 0) return 'pass';
  if (type === 1) return ok(!exists);
  if (type === 2) return ok(!exists || v === '');
  if (type === 3) return ok(exists);
  if (type === 4) return ok(exists && v !== '');
  if (!exists) return 'fail';
  if (type === 5) return ok(v.includes(operand));
  if (type === 6) return ok(v.startsWith(operand));
  if (type === 7) return ok(v.endsWith(operand));
  const relation = (type - 8) % 5;
  let order: number;
  if (type <= 12) {
    order = v < operand ? -1 : v > operand ? 1 : 0;
  } else {
    const a = strtoll(v);
    const b = strtoll(operand);
    if (a === undefined || b === undefined) return 'invalid';
    order = a < b ? -1 : a > b ? 1 : 0;
  }
  return ok([order < 0, order <= 0, order === 0, order >= 0, order > 0][relation]!);
}

function matches(type: number, pattern: string, s: string): boolean {
  if (type === 0 || pattern === '') return true;
  if (type === 1) return s.includes(pattern);
  if (type === 2) return s.startsWith(pattern);
  return s.endsWith(pattern);
}

// ---------- commands ----------

const HKS = ['', 'a', 'ab'];
const SKS = ['', 'x', 'y', 'xy'];
const VALUES = ['', 'v', 'abc', 'ab', 'b', '0', '5', '-3', ' 7', '0x1f', '010', '9223372036854775807', '-9223372036854775808'];
const hk = fc.constantFrom(...HKS);
const sk = fc.constantFrom(...SKS);
const value = fc.constantFrom(...VALUES);
/** 0 = no expiry; otherwise seconds from now. */
const ttl = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 }));

type PlainWrite =
  | { op: 'put'; hk: string; sk: string; value: string; ttl: number }
  | { op: 'multi_put'; hk: string; kvs: [string, string][]; ttl: number }
  | { op: 'remove'; hk: string; sk: string }
  | { op: 'multi_remove'; hk: string; sks: string[] };
type AtomicWrite =
  | { op: 'incr'; hk: string; sk: string; by: bigint; expire: 'keep' | 'clear' | number }
  | { op: 'cas'; hk: string; checkSk: string; type: number; operand: string; diff: boolean; setSk: string; value: string; ttl: number; ret: boolean }
  | { op: 'cam'; hk: string; checkSk: string; type: number; operand: string; muts: { del: boolean; sk: string; value: string; ttl: number }[]; ret: boolean };
type Cmd =
  | { cmd: 'write'; writes: (PlainWrite | AtomicWrite)[] }
  | { cmd: 'advance'; ms: number }
  | { cmd: 'get' | 'ttl'; hk: string; sk: string }
  | { cmd: 'count'; hk: string }
  | { cmd: 'batch_get'; keys: [string, string][] }
  | { cmd: 'multi_get'; hk: string; sortKeys: string[]; start: string; stop: string; startInclusive: boolean; stopInclusive: boolean; filterType: number; pattern: string; noValue: boolean; reverse: boolean; maxCount: number; maxSize: number }
  | { cmd: 'scan'; batchSize: number; hashFilter: number; hashPattern: string; sortFilter: number; sortPattern: string; noValue: boolean; onlyCount: boolean };

const plainWrite: fc.Arbitrary<PlainWrite> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), hk, sk, value, ttl }),
  fc.record({ op: fc.constant('multi_put' as const), hk, kvs: fc.array(fc.tuple(sk, value), { maxLength: 3 }), ttl }),
  fc.record({ op: fc.constant('remove' as const), hk, sk }),
  fc.record({ op: fc.constant('multi_remove' as const), hk, sks: fc.array(sk, { maxLength: 3 }) }),
);
const checkType = fc.integer({ min: 0, max: 18 });
const atomicWrite: fc.Arbitrary<AtomicWrite> = fc.oneof(
  fc.record({
    op: fc.constant('incr' as const), hk, sk,
    by: fc.oneof(fc.bigInt({ min: -5n, max: 5n }), fc.constantFrom(INT64_MAX, INT64_MIN)),
    expire: fc.oneof(fc.constant('keep' as const), fc.constant('clear' as const), fc.integer({ min: 1, max: 4 })),
  }),
  fc.record({ op: fc.constant('cas' as const), hk, checkSk: sk, type: checkType, operand: value, diff: fc.boolean(), setSk: sk, value, ttl, ret: fc.boolean() }),
  fc.record({
    op: fc.constant('cam' as const), hk, checkSk: sk, type: checkType, operand: value,
    muts: fc.array(fc.record({ del: fc.boolean(), sk, value, ttl }), { maxLength: 3 }), ret: fc.boolean(),
  }),
);
const command: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ cmd: fc.constant('write' as const), writes: fc.array(plainWrite, { minLength: 1, maxLength: 3 }) }) },
  { weight: 5, arbitrary: fc.record({ cmd: fc.constant('write' as const), writes: atomicWrite.map((w) => [w]) }) },
  { weight: 2, arbitrary: fc.record({ cmd: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2_500 }) }) },
  { weight: 2, arbitrary: fc.record({ cmd: fc.constantFrom('get' as const, 'ttl' as const), hk, sk }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('count' as const), hk }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('batch_get' as const), keys: fc.array(fc.tuple(hk, sk), { maxLength: 4 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      cmd: fc.constant('multi_get' as const), hk, sortKeys: fc.oneof(fc.constant<string[]>([]), fc.array(sk, { maxLength: 3 })),
      start: sk, stop: sk, startInclusive: fc.boolean(), stopInclusive: fc.boolean(),
      filterType: fc.integer({ min: 0, max: 4 }), pattern: fc.constantFrom('', 'x', 'y', 'z'),
      noValue: fc.boolean(), reverse: fc.boolean(), maxCount: fc.integer({ min: -1, max: 4 }), maxSize: fc.integer({ min: -1, max: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      cmd: fc.constant('scan' as const), batchSize: fc.integer({ min: 0, max: 4 }),
      hashFilter: fc.integer({ min: 0, max: 3 }), hashPattern: fc.constantFrom('', 'a', 'b'),
      sortFilter: fc.integer({ min: 0, max: 4 }), sortPattern: fc.constantFrom('', 'x', 'y'),
      noValue: fc.boolean(), onlyCount: fc.boolean(),
    }),
  },
);

// ---------- running a command against the model and the partition ----------

/** A response reduced to what both sides can state: status plus data, blobs as strings. */
type Plain = Record<string, unknown>;

function modelWrite(model: Model, w: PlainWrite | AtomicWrite, now: number): Plain {
  const exp = (t: number) => (t === 0 ? 0 : now + t);
  switch (w.op) {
    case 'put': model.set(w.hk, w.sk, w.value, exp(w.ttl)); return { error: 0 };
    case 'multi_put':
      if (w.kvs.length === 0) return { error: 4 };
      for (const [s, v] of w.kvs) model.set(w.hk, s, v, exp(w.ttl));
      return { error: 0 };
    case 'remove': model.del(w.hk, w.sk); return { error: 0 };
    case 'multi_remove':
      if (w.sks.length === 0) return { error: 4, count: 0n };
      for (const s of w.sks) model.del(w.hk, s);
      return { error: 0, count: BigInt(w.sks.length) };
    case 'incr': {
      const old = model.visible(w.hk, w.sk, now);
      let base = 0n;
      if (old !== undefined && old.value !== '') {
        const parsed = strtoll(old.value);
        if (parsed === undefined) return { error: 4, newValue: 0n };
        base = parsed;
      }
      const next = base + w.by;
      if (next > INT64_MAX || next < INT64_MIN) return { error: 4, newValue: base };
      const requested = w.expire === 'keep' ? 0 : w.expire === 'clear' ? -1 : now + w.expire;
      const expireTs = old === undefined ? Math.max(requested, 0) : requested === 0 ? old.expireTs : requested < 0 ? 0 : requested;
      model.set(w.hk, w.sk, next.toString(), expireTs);
      return { error: 0, newValue: next };
    }
    case 'cas':
    case 'cam': {
      const none = { checkValueReturned: false, checkValueExist: false, checkValue: '' };
      if (w.op === 'cam' && w.muts.length === 0) return { error: 4, ...none };
      if (w.type > 17) return { error: 4, ...none };
      const checked = model.visible(w.hk, w.checkSk, now);
      const returned = { checkValueReturned: w.ret, checkValueExist: w.ret && checked !== undefined, checkValue: w.ret ? checked?.value ?? '' : '' };
      const result = check(w.type, w.operand, checked);
      if (result !== 'pass') return { error: result === 'fail' ? 13 : 4, ...returned };
      if (w.op === 'cas') model.set(w.hk, w.diff ? w.setSk : w.checkSk, w.value, exp(w.ttl));
      else for (const m of w.muts) if (m.del) model.del(w.hk, m.sk); else model.set(w.hk, m.sk, m.value, exp(m.ttl));
      return { error: 0, ...returned };
    }
  }
}

function toRequest(w: PlainWrite | AtomicWrite, now: number): WriteRequest {
  const exp = (t: number) => (t === 0 ? 0 : now + t);
  switch (w.op) {
    case 'put': return { kind: 'put', key: encodeKey(enc(w.hk), enc(w.sk)), value: enc(w.value), expireTsSeconds: exp(w.ttl) };
    case 'multi_put': return { kind: 'multi_put', hashKey: enc(w.hk), kvs: w.kvs.map(([s, v]): KeyValue => ({ key: enc(s), value: enc(v) })), expireTsSeconds: exp(w.ttl) };
    case 'remove': return { kind: 'remove', key: encodeKey(enc(w.hk), enc(w.sk)) };
    case 'multi_remove': return { kind: 'multi_remove', hashKey: enc(w.hk), sortKeys: w.sks.map(enc) };
    case 'incr': return { kind: 'incr', key: encodeKey(enc(w.hk), enc(w.sk)), increment: w.by, expireTsSeconds: w.expire === 'keep' ? 0 : w.expire === 'clear' ? -1 : now + w.expire };
    case 'cas': return {
      kind: 'check_and_set', hashKey: enc(w.hk), checkSortKey: enc(w.checkSk), checkType: w.type, checkOperand: enc(w.operand),
      setDiffSortKey: w.diff, setSortKey: enc(w.setSk), setValue: enc(w.value), setExpireTsSeconds: exp(w.ttl), returnCheckValue: w.ret,
    };
    case 'cam': return {
      kind: 'check_and_mutate', hashKey: enc(w.hk), checkSortKey: enc(w.checkSk), checkType: w.type, checkOperand: enc(w.operand),
      mutateList: w.muts.map((m): Mutate => ({ operation: m.del ? 1 : 0, sortKey: enc(m.sk), value: m.del ? new Uint8Array(0) : enc(m.value), setExpireTsSeconds: m.del ? 0 : exp(m.ttl) })),
      returnCheckValue: w.ret,
    };
  }
}

function plainWriteResponse(r: WriteResponse): Plain {
  switch (r.kind) {
    case 'update_response': return { error: r.error };
    case 'multi_remove_response': return { error: r.error, count: r.count };
    case 'incr_response': return { error: r.error, newValue: r.newValue };
    case 'check_and_set_response':
    case 'check_and_mutate_response':
      return { error: r.error, checkValueReturned: r.checkValueReturned, checkValueExist: r.checkValueExist, checkValue: dec(r.checkValue) };
  }
}

/** multi_get as the model states it. */
function modelMultiGet(model: Model, c: Extract<Cmd, { cmd: 'multi_get' }>, now: number): Plain {
  if (c.filterType > 3) return { error: 4, kvs: [] };
  const maxCount = c.maxCount > 0 ? c.maxCount : Infinity;
  const maxSize = c.maxSize > 0 ? c.maxSize : Infinity;
  const out: string[] = [];
  let size = 0;
  if (c.sortKeys.length > 0) {
    for (const s of c.sortKeys) {
      const r = model.visible(c.hk, s, now);
      if (r === undefined) continue;
      if (out.length >= maxCount || size >= maxSize) return { error: 7, kvs: out };
      const v = c.noValue ? '' : r.value;
      out.push(`${s}=${v}`);
      size += s.length + v.length;
    }
    return { error: 0, kvs: out };
  }
  let inRange = model.sorted().filter((e) => e.hk === c.hk).filter((e) =>
    (c.startInclusive ? e.sk >= c.start : e.sk > c.start)
    && (c.stop === '' || (c.stopInclusive ? e.sk <= c.stop : e.sk < c.stop)));
  if (c.filterType === 2) inRange = inRange.filter((e) => e.sk.startsWith(c.pattern));
  if (c.reverse) inRange.reverse();
  for (let i = 0; i < inRange.length; i++) {
    if (out.length >= maxCount || size >= maxSize) {
      if (c.reverse) out.reverse();
      return { error: 7, kvs: out };
    }
    const e = inRange[i]!;
    if (e.rec.expireTs > 0 && e.rec.expireTs <= now) continue;
    if (!matches(c.filterType, c.pattern, e.sk)) continue;
    const v = c.noValue ? '' : e.rec.value;
    out.push(`${e.sk}=${v}`);
    size += e.sk.length + v.length;
  }
  if (c.reverse) out.reverse();
  return { error: 0, kvs: out };
}

/** A full scan run to completion, as the model states it: every batch's contents and whether it was last. */
function modelScan(model: Model, c: Extract<Cmd, { cmd: 'scan' }>, now: number): Plain {
  if (c.sortFilter > 3) return { batches: [{ error: 4, kvs: [], last: true }] };
  const batchCount = c.batchSize > 0 ? c.batchSize : 1000;
  let all = model.sorted();
  if (c.hashFilter === 2 && c.hashPattern !== '') all = all.filter((e) => e.hk.length >= c.hashPattern.length);
  const batches: Plain[] = [];
  let kvs: string[] = [];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const e = all[i]!;
    const visible = !(e.rec.expireTs > 0 && e.rec.expireTs <= now) && matches(c.hashFilter, c.hashPattern, e.hk) && matches(c.sortFilter, c.sortPattern, e.sk);
    if (visible) {
      count++;
      if (!c.onlyCount) kvs.push(`${e.hk}:${e.sk}=${c.noValue ? '' : e.rec.value}`);
    }
    if (count === batchCount && i < all.length - 1) {
      batches.push({ error: 0, kvs, last: false, ...(c.onlyCount ? { kvCount: count } : {}) });
      kvs = [];
      count = 0;
    }
  }
  batches.push({ error: 0, kvs, last: true, ...(c.onlyCount ? { kvCount: count } : {}) });
  return { batches };
}

function hasMessageIffError(response: { error: number; message?: string }): boolean {
  return response.error === 0 ? response.message === undefined : typeof response.message === 'string' && response.message.length > 0;
}

async function run(partition: Partition, model: Model, clock: ManualClock, c: Cmd, decree: { next: bigint }): Promise<[Plain, Plain]> {
  const now = Math.floor(clock.nowMs() / 1000) - EPOCH_2016_UNIX_SECONDS;
  const fail = (what: string) => { throw new Error(`${what} for ${show(c)}`); };
  switch (c.cmd) {
    case 'write': {
      const result = await partition.applyMutation({ decree: decree.next++, timestampUs: BigInt(clock.nowMs()) * 1000n, requests: c.writes.map((w) => toRequest(w, now)) });
      if (result.kind !== 'applied') fail('not applied');
      const responses = result.kind === 'applied' ? result.responses : [];
      if (!responses.every(hasMessageIffError)) fail('message missing or unexpected');
      return [{ responses: responses.map(plainWriteResponse) }, { responses: c.writes.map((w) => modelWrite(model, w, now)) }];
    }
    case 'advance':
      clock.advance(c.ms);
      return [{}, {}];
    case 'get': {
      const r = await partition.get({ kind: 'get', key: encodeKey(enc(c.hk), enc(c.sk)) });
      if (!hasMessageIffError(r)) fail('message');
      const m = model.visible(c.hk, c.sk, now);
      return [{ error: r.error, value: dec(r.value) }, { error: m === undefined ? 1 : 0, value: m?.value ?? '' }];
    }
    case 'ttl': {
      const r = await partition.ttl({ kind: 'ttl', key: encodeKey(enc(c.hk), enc(c.sk)) });
      const m = model.visible(c.hk, c.sk, now);
      return [{ error: r.error, ttl: r.error === 0 ? r.ttlSeconds : null }, { error: m === undefined ? 1 : 0, ttl: m === undefined ? null : m.expireTs > 0 ? m.expireTs - now : -1 }];
    }
    case 'count': {
      const r = await partition.sortkeyCount({ kind: 'sortkey_count', hashKey: enc(c.hk) });
      const expected = model.sorted().filter((e) => e.hk === c.hk && model.visible(e.hk, e.sk, now) !== undefined).length;
      return [{ error: r.error, count: r.count }, { error: 0, count: BigInt(expected) }];
    }
    case 'batch_get': {
      const r = await partition.batchGet({ kind: 'batch_get', keys: c.keys.map(([h, s]) => ({ hashKey: enc(h), sortKey: enc(s) })) });
      if (!hasMessageIffError(r)) fail('message');
      const expected = c.keys.length === 0 ? { error: 4, data: [] } : {
        error: 0,
        data: c.keys.flatMap(([h, s]) => { const m = model.visible(h, s, now); return m === undefined ? [] : [`${h}:${s}=${m.value}`]; }),
      };
      return [{ error: r.error, data: r.data.map((d) => `${dec(d.hashKey)}:${dec(d.sortKey)}=${dec(d.value)}`) }, expected];
    }
    case 'multi_get': {
      const r = await partition.multiGet({
        kind: 'multi_get', hashKey: enc(c.hk), sortKeys: c.sortKeys.map(enc), maxKvCount: c.maxCount, maxKvSize: c.maxSize, noValue: c.noValue,
        startSortkey: enc(c.start), stopSortkey: enc(c.stop), startInclusive: c.startInclusive, stopInclusive: c.stopInclusive,
        sortKeyFilterType: c.filterType, sortKeyFilterPattern: enc(c.pattern), reverse: c.reverse,
      });
      if (!hasMessageIffError(r)) fail('message');
      return [{ error: r.error, kvs: r.kvs.map((kv) => `${dec(kv.key)}=${dec(kv.value)}`) }, modelMultiGet(model, c, now)];
    }
    case 'scan': {
      const batches: Plain[] = [];
      let response = await partition.getScanner({
        kind: 'get_scanner', startKey: Uint8Array.of(0, 0), stopKey: Uint8Array.of(0xff, 0xff), startInclusive: true, stopInclusive: false,
        batchSize: c.batchSize, noValue: c.noValue, hashKeyFilterType: c.hashFilter, hashKeyFilterPattern: enc(c.hashPattern),
        sortKeyFilterType: c.sortFilter, sortKeyFilterPattern: enc(c.sortPattern), validatePartitionHash: true, fullScan: true, onlyReturnCount: c.onlyCount,
      });
      for (;;) {
        if (!hasMessageIffError(response)) fail('message');
        const kvs = response.kvs.map((kv) => { const k = decodeKey(kv.key)!; return `${dec(k.hashKey)}:${dec(k.sortKey)}=${dec(kv.value)}`; });
        batches.push({ error: response.error, kvs, last: response.contextId < 0n, ...(response.kvCount !== undefined ? { kvCount: response.kvCount } : {}) });
        if (response.contextId < 0n || batches.length > 100) break;
        response = await partition.scan({ kind: 'scan', contextId: response.contextId });
      }
      return [{ batches }, modelScan(model, c, now)];
    }
  }
}

/** Empties an engine between runs: opening a fresh one per run would dominate the runtime. */
async function wipe(engine: KvEngine): Promise<void> {
  const iterator = engine.iterator({ keysOnly: true });
  const ops: WriteOp[] = [];
  for (let entry = await iterator.next(); entry !== undefined; entry = await iterator.next()) ops.push({ kind: 'delete', key: entry.key });
  await iterator.close();
  if (ops.length > 0) await engine.write(ops);
}

for (const factory of engineFactories) {
  test(`${factory.name}: random operation sequences agree with the reference model`, async (t) => {
    const { engine, cleanup } = await factory.open();
    try {
      await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 60, size: 'max' }), async (commands) => {
        await wipe(engine);
        const clock = new ManualClock();
        const partition = await Partition.open(engine, { clock });
        const model = new Model();
        const decree = { next: 1n };
        try {
          for (const [index, c] of commands.entries()) {
            const [actual, expected] = await run(partition, model, clock, c, decree);
            if (!isDeepEqual(actual, expected)) {
              throw new Error(`command ${index} ${show(c)}\n  partition: ${show(actual)}\n  model:     ${show(expected)}`);
            }
          }
          return partition.scanContextCount === 0;
        } finally {
          await partition.close();
        }
      }), { numRuns: 200 });
    } finally {
      await cleanup();
    }
    t.pass();
  });
}

function show(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  return show(a) === show(b);
}
