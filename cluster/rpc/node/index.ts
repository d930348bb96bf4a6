// The RPC layer's Node shell: the server port (THFT and HTTP on one port) and a client connection.
export { HandlerTable, rpcError, RpcErrorReply, type OneWayHandler, type RpcHandler } from './handler-table.ts';
export { HttpRoutes, jsonReply, textReply, type HttpHandler, type HttpReply, type HttpRequestInfo } from './http-routes.ts';
export { RpcServer, type RpcServerOptions } from './rpc-server.ts';
export { RpcCallError, RpcConnection, type CallOptions, type ConnectOptions } from './rpc-connection.ts';
export { ThftConnection, type RpcLog } from './thft-connection.ts';
export { parseNodeId, RpcClusterTransport, type ClusterTransportCounters, type ClusterTransportOptions } from './cluster-transport.ts';
export { serveCluster } from './serve-cluster.ts';
