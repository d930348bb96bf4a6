// Cross-origin access to `POST /rpc`, so the edge client also works from a web page: a browser
// sends the octet-stream body only after an OPTIONS preflight that this answers, and lets the page
// read the answer only when it carries Access-Control-Allow-Origin. Any origin may call: the RPC
// endpoint has the same access rules as the THFT side of the port (none of its own), which
// whoever reaches the port can use anyway; restricting browsers is a gateway's job.

import type { HttpReply } from './http-routes.ts';

/** Paths a browser may call from another origin. */
const CORS_PATHS: ReadonlySet<string> = new Set(['/rpc']);
/** How long a browser may reuse a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE_SECONDS = 86_400;

export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
};

const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  ...CORS_HEADERS,
  'access-control-allow-methods': 'POST, OPTIONS',
  // authorization: the bearer token a gateway in front of the servers may ask for.
  'access-control-allow-headers': 'content-type, authorization',
  'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
};

export function corsPath(path: string): boolean {
  return CORS_PATHS.has(path);
}

/** The answer to `OPTIONS <path>` on a cross-origin path: no body, what may be sent. */
export function preflightReply(): HttpReply {
  return { status: 204, contentType: 'text/plain; charset=utf-8', body: '', headers: { ...PREFLIGHT_HEADERS, allow: 'POST, OPTIONS' } };
}

/** The reply with the headers that let a page of another origin read it. */
export function withCors(reply: HttpReply): HttpReply {
  return { ...reply, headers: { ...reply.headers, ...CORS_HEADERS } };
}
