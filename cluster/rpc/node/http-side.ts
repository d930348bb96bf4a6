// The HTTP side of the server port: a request listener for node:http over the route table, plus the
// two built-in routes. `POST /rpc` takes one THFT request frame as its body and answers the THFT
// response frame (200, application/octet-stream); a one-way call is answered 204; a body that is
// not one readable frame is answered 400 JSON. `GET /healthz` answers "ok". Unknown paths get 404
// JSON, known paths under another method 405 with Allow; bodies above the bound get 413. Every
// answer on `/rpc` (errors included) allows cross-origin reads, and `OPTIONS /rpc` answers the
// browser's preflight (cors.ts).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeRequestFrame } from '../request-frame.ts';
import { ThriftWriter } from '../thrift-writer.ts';
import { corsPath, preflightReply, withCors } from './cors.ts';
import type { HandlerTable } from './handler-table.ts';
import { jsonReply, textReply, type HttpReply, type HttpRequestInfo, type HttpRoutes } from './http-routes.ts';
import { encodeOutcome, serveFrame } from './serve-frame.ts';
import type { RpcLog } from './thft-connection.ts';

export function addBuiltinRoutes(routes: HttpRoutes, table: HandlerTable, frameBytesMax: number, log: RpcLog): void {
  routes.get('/healthz', () => Promise.resolve(textReply(200, 'ok')));
  routes.post('/rpc', async (request) => {
    const frame = decodeRequestFrame(request.body, { frameBytesMax });
    if (!frame.ok) return jsonReply(400, { error: 'bad_frame', code: frame.error.code, message: frame.error.message });
    let outcome;
    try {
      outcome = await serveFrame(frame.value, table);
    } catch (error) {
      log('POST /rpc: request handler failed', error);
      return jsonReply(500, { error: 'handler_failed' });
    }
    if (outcome.kind === 'fatal') return jsonReply(400, { error: 'bad_message', code: outcome.error.code, message: outcome.error.message });
    if (outcome.kind === 'none') return { status: 204, contentType: 'application/octet-stream', body: new Uint8Array(0) };
    const writer = new ThriftWriter();
    try {
      encodeOutcome(writer, outcome);
    } catch (error) {
      log('POST /rpc: response could not be encoded', error);
      return jsonReply(500, { error: 'unencodable_response' });
    }
    return { status: 200, contentType: 'application/octet-stream', body: writer.written() };
  });
}

export function httpListener(routes: HttpRoutes, bodyBytesMax: number, log: RpcLog) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const cors = corsPath(url.pathname);
    const reply = (answer: HttpReply): void => send(response, cors ? withCors(answer) : answer);
    if (cors && method === 'OPTIONS') {
      request.resume();
      send(response, preflightReply());
      return;
    }
    const found = routes.lookup(method, url.pathname);
    if (found.kind !== 'found') {
      request.resume();
      reply(found.kind === 'not_found'
        ? jsonReply(404, { error: 'not_found', path: url.pathname })
        : { ...jsonReply(405, { error: 'method_not_allowed', method, allow: found.allow }), headers: { allow: found.allow.join(', ') } });
      return;
    }
    const declared = Number(request.headers['content-length'] ?? '0');
    if (declared > bodyBytesMax) {
      tooLarge(request, response, bodyBytesMax, reply);
      return;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Uint8Array) => {
      if (refused) return;
      size += chunk.length;
      if (size > bodyBytesMax) {
        refused = true;
        tooLarge(request, response, bodyBytesMax, reply);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (refused) return;
      const info: HttpRequestInfo = { method, path: url.pathname, params: found.params, query: url.searchParams, body: concat(chunks, size) };
      found.handler(info).then(
        reply,
        (error: unknown) => {
          log(`${method} ${url.pathname}: route handler failed`, error);
          reply(jsonReply(500, { error: 'handler_failed' }));
        },
      );
    });
  };
}

function tooLarge(request: IncomingMessage, response: ServerResponse, bodyBytesMax: number, reply: (answer: HttpReply) => void): void {
  response.setHeader('connection', 'close');
  reply(jsonReply(413, { error: 'body_too_large', limit: bodyBytesMax }));
  request.resume();
}

function send(response: ServerResponse, reply: HttpReply): void {
  if (response.headersSent) return;
  response.statusCode = reply.status;
  response.setHeader('content-type', reply.contentType);
  for (const [name, value] of Object.entries(reply.headers ?? {})) response.setHeader(name, value);
  response.end(reply.body);
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
