// Conversions of Pegasus's i64 placeholder types (reference/pegasus-api.md section 4.5):
// gpid = partition_index << 32 | app_id, and rpc_address = ipv4 << 32 | port << 16 | 1 (0 = none).
// Both are handled as two 32-bit halves so the hot path needs no BigInt.

import { RpcCodecError } from './codec-error.ts';
import type { Gpid, RpcAddress } from './thrift-types.ts';

const ADDRESS_TYPE_IPV4 = 1;
const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/;

export function gpidFromHalves(high: number, low: number): Gpid {
  return { appId: low | 0, partitionIndex: high | 0 };
}

export function gpidToI64(gpid: Gpid): bigint {
  return BigInt.asIntN(64, (BigInt(gpid.partitionIndex >>> 0) << 32n) | BigInt(gpid.appId >>> 0));
}

/** "" for the empty address, "a.b.c.d:port" for IPv4; other address kinds are refused. */
export function rpcAddressFromHalves(high: number, low: number): RpcAddress {
  if (high === 0 && low === 0) return '';
  const type = low & 0x3;
  if (type !== ADDRESS_TYPE_IPV4) {
    throw new RpcCodecError('invalid_value', `rpc_address of type ${type}; only IPv4 (1) is supported`);
  }
  const ip = high >>> 0;
  const port = low >>> 16;
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}:${port}`;
}

/** [high, low] halves of an address; throws 'invalid_value' for text that is not "a.b.c.d:port". */
export function rpcAddressToHalves(address: RpcAddress): [high: number, low: number] {
  if (address === '') return [0, 0];
  const match = IPV4_PATTERN.exec(address);
  const parts = match === null ? [] : match.slice(1).map(Number);
  const [a, b, c, d, port] = parts;
  if (a === undefined || b === undefined || c === undefined || d === undefined || port === undefined
    || a > 255 || b > 255 || c > 255 || d > 255 || port > 0xffff) {
    throw new RpcCodecError('invalid_value', `rpc_address "${address}" is not "a.b.c.d:port"`);
  }
  const high = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  const low = ((port << 16) | ADDRESS_TYPE_IPV4) >>> 0;
  return [high, low];
}

export function rpcAddressToI64(address: RpcAddress): bigint {
  const [high, low] = rpcAddressToHalves(address);
  return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low));
}

export function rpcAddressFromI64(value: bigint): RpcAddress {
  const unsigned = BigInt.asUintN(64, value);
  return rpcAddressFromHalves(Number(unsigned >> 32n), Number(unsigned & 0xffffffffn));
}
