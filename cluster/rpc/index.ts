// The RPC layer's protocol surface: THFT framing, the schema-driven Thrift codec, the structs and
// RPC names. Edge-safe (Uint8Array, DataView, TextEncoder only); the edge client reuses it.
//
// Server, per connection:
//   const frames = new RequestFrameDecoder(); const registry = createRpcRegistry().register(...internal);
//   on data: frames.push(chunk); loop step = frames.next() until 'need_more';
//     'error' -> close the connection;
//     'frame' -> decodeRequest(step.frame, registry):
//        'call'   -> handle call.method with call.request (callRequest(call, clientRpcs.get) types it),
//                    then encodeResponse(writer, call.method, call.seqid, response) unless one-way;
//        'reject' -> if answerable, encodeErrorResponse(writer, name, seqid, reject.error.wireError);
//        'fatal'  -> close the connection.
// Client: encodeRequest(writer, routing, clientRpcs.get, seqid, { kind: 'get', key });
//   responses: ResponseFrameDecoder -> decodeResponseHead(frame) to match the seqid ->
//   decodeResponse(frame, method) -> { head: { error, name, seqid }, response? }.

export { ERROR_NAMES, isErrorName, type ErrorName } from './error-code.ts';
export { RpcCodecError, type CodecResult, type RpcCodecErrorCode } from './codec-error.ts';
export { ThriftWriter } from './thrift-writer.ts';
export { ThriftReader } from './thrift-reader.ts';
export { defineStruct, t, WireType, type FieldSpec, type Gpid, type RpcAddress, type StructSchema, type ValueType } from './thrift-types.ts';
export { defaultValue, readStruct, readValue, writeStruct, writeValue } from './thrift-codec.ts';
export { gpidToI64, rpcAddressFromI64, rpcAddressToI64 } from './placeholders.ts';
export { MessageType } from './message.ts';
export * from './rrdb-structs.ts';
export * from './meta-structs.ts';
export * from './cluster-messages.ts';
export { clusterRpcs, createClusterRpcRegistry } from './cluster-rpcs.ts';
export {
  ACK_SUFFIX, clientRpcs, createRpcRegistry, defineRpc, RpcRegistry,
  type AnyRpcMethod, type RequestOf, type ResponseOf, type RpcMethod,
} from './rpc-methods.ts';
export {
  decodeRequestFrame, HEADER_BYTES_V0, HEADER_BYTES_V1, parseRequestFrame, RequestFrameDecoder, threadHashOf,
  type FrameStep, type HeaderVersion, type RequestFrame, type RequestHeader, type RequestRouting,
} from './request-frame.ts';
export { ResponseFrameDecoder, type ResponseHead } from './response-frame.ts';
export {
  callRequest, decodeRequest, decodeResponse, decodeResponseHead, encodeErrorResponse, encodeRequest, encodeResponse,
  type DecodedResponse, type IncomingCall, type IncomingRequest, type ResponseSide,
} from './rpc-codec.ts';
