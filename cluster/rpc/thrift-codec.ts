// The schema-driven Thrift binary codec: one import for its three parts.

export { writeStruct, writeValue } from './thrift-encode.ts';
export { readStruct, readValue, skipValue } from './thrift-decode.ts';
export { defaultValue } from './thrift-defaults.ts';
