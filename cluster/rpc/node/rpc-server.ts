// One TCP port serving both protocols, chosen per connection by its first four bytes: "THFT"
// starts the Pegasus binary protocol (ThftConnection), anything else is handed to node:http with
// the sniffed bytes put back. Connections above the bound are refused at accept.
//
//   const handlers = new HandlerTable().on(clientRpcs.get, async (request, call) => response);
//   const server = new RpcServer({ handlers, port: 0 });
//   server.routes.get('/v1/tables/:name/config', async ({ params }) => jsonReply(200, ...));
//   const { port } = await server.listen();  ...  await server.close();

import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { assert } from '../../../common/assert.ts';
import {
  RPC_FIRST_BYTES_TIMEOUT_MS, RPC_HTTP_BODY_BYTES_MAX, RPC_IN_FLIGHT_PER_CONNECTION_MAX, RPC_REQUEST_FRAME_BYTES_MAX, RPC_SERVER_CONNECTIONS_MAX,
} from '../../../common/limits.ts';
import type { HandlerTable } from './handler-table.ts';
import { HttpRoutes } from './http-routes.ts';
import { addBuiltinRoutes, httpListener } from './http-side.ts';
import { ThftConnection, type RpcLog } from './thft-connection.ts';

export interface RpcServerOptions {
  readonly handlers: HandlerTable;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  readonly connectionsMax?: number;
  readonly inFlightPerConnectionMax?: number;
  readonly frameBytesMax?: number;
  readonly httpBodyBytesMax?: number;
  /** A connection silent this long after accept is closed. */
  readonly firstBytesTimeoutMs?: number;
  /** Where connection failures and handler bugs are reported. Default console.error. */
  readonly log?: RpcLog;
}

const SIGNATURE = [0x54, 0x48, 0x46, 0x54] as const;

export class RpcServer {
  /** Add HTTP routes here before or after listen. */
  readonly routes = new HttpRoutes();
  private readonly tcp: Server;
  private readonly http: HttpServer;
  private readonly sockets = new Set<Socket>();
  private readonly thft = new Set<ThftConnection>();
  private readonly log: RpcLog;

  constructor(private readonly options: RpcServerOptions) {
    this.log = options.log ?? ((message, error) => console.error(message, error ?? ''));
    const frameBytesMax = options.frameBytesMax ?? RPC_REQUEST_FRAME_BYTES_MAX;
    addBuiltinRoutes(this.routes, options.handlers, frameBytesMax, this.log);
    this.http = createHttpServer(httpListener(this.routes, options.httpBodyBytesMax ?? RPC_HTTP_BODY_BYTES_MAX, this.log));
    this.tcp = createServer((socket) => this.accept(socket));
    this.tcp.maxConnections = options.connectionsMax ?? RPC_SERVER_CONNECTIONS_MAX;
    assert(this.tcp.maxConnections >= 1, 'connectionsMax must be at least 1');
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        this.tcp.off('error', reject);
        resolve(this.tcp.address() as AddressInfo);
      });
    });
  }

  get address(): AddressInfo {
    const address = this.tcp.address();
    assert(address !== null && typeof address === 'object', 'the server is not listening');
    return address;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** The THFT connections being served (for tests and status pages). */
  get thftConnections(): ReadonlySet<ThftConnection> {
    return this.thft;
  }

  /** Stops accepting and closes every open connection. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.http.closeAllConnections();
    return closed;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.once('close', () => this.sockets.delete(socket));
    const sniffed: Uint8Array[] = [];
    let size = 0;
    const silent = setTimeout(() => socket.destroy(), this.options.firstBytesTimeoutMs ?? RPC_FIRST_BYTES_TIMEOUT_MS);
    socket.once('close', () => clearTimeout(silent));
    const onData = (chunk: Uint8Array): void => {
      sniffed.push(chunk);
      size += chunk.length;
      if (size < SIGNATURE.length && SIGNATURE.every((byte, i) => i >= size || byteAt(sniffed, i) === byte)) return;
      clearTimeout(silent);
      socket.off('data', onData);
      const prefix = Buffer.concat(sniffed);
      const isThft = SIGNATURE.every((byte, i) => prefix[i] === byte);
      if (isThft) this.startThft(socket, prefix);
      else this.startHttp(socket, prefix);
    };
    socket.on('data', onData);
  }

  private startThft(socket: Socket, prefix: Uint8Array): void {
    const connection = new ThftConnection(socket, this.options.handlers, {
      inFlightMax: this.options.inFlightPerConnectionMax ?? RPC_IN_FLIGHT_PER_CONNECTION_MAX,
      log: this.log,
      ...(this.options.frameBytesMax === undefined ? {} : { frameBytesMax: this.options.frameBytesMax }),
    });
    this.thft.add(connection);
    socket.once('close', () => this.thft.delete(connection));
    connection.receive(prefix);
  }

  private startHttp(socket: Socket, prefix: Buffer): void {
    socket.pause();
    socket.unshift(prefix);
    this.http.emit('connection', socket);
    socket.resume();
  }
}

function byteAt(chunks: readonly Uint8Array[], index: number): number | undefined {
  let at = index;
  for (const chunk of chunks) {
    if (at < chunk.length) return chunk[at];
    at -= chunk.length;
  }
  return undefined;
}
