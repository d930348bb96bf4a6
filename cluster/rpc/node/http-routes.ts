// The HTTP side's route table. A route is a method and a path pattern whose segments are literal
// or `:name` parameters (`/v1/tables/:name/config`). Lookup tells a matching route, a path served
// only under other methods (405 with Allow), or nothing (404).

import { assert } from '../../../common/assert.ts';

export interface HttpRequestInfo {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The whole body (bounded); empty for GET. */
  readonly body: Uint8Array;
}

export interface HttpReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

export type HttpHandler = (request: HttpRequestInfo) => Promise<HttpReply>;

interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly handler: HttpHandler;
}

export type RouteLookup =
  | { readonly kind: 'found'; readonly handler: HttpHandler; readonly params: Record<string, string> }
  | { readonly kind: 'wrong_method'; readonly allow: readonly string[] }
  | { readonly kind: 'not_found' };

const PATTERN = /^(\/([A-Za-z0-9_.-]+|:[A-Za-z_][A-Za-z0-9_]*))+$|^\/$/;

export function jsonReply(status: number, value: unknown): HttpReply {
  return { status, contentType: 'application/json', body: JSON.stringify(value) };
}

export function textReply(status: number, text: string): HttpReply {
  return { status, contentType: 'text/plain; charset=utf-8', body: text };
}

export class HttpRoutes {
  private readonly routes: Route[] = [];

  /** Adds a route; the same method and pattern twice is a programmer error. */
  add(method: string, pattern: string, handler: HttpHandler): this {
    assert(/^[A-Z]+$/.test(method), `HTTP method ${method} must be upper case`);
    assert(PATTERN.test(pattern), `route pattern ${pattern} must be /segment/:param/...`);
    assert(!this.routes.some((route) => route.method === method && route.pattern === pattern), `route ${method} ${pattern} added twice`);
    this.routes.push({ method, pattern, segments: split(pattern), handler });
    return this;
  }

  get(pattern: string, handler: HttpHandler): this {
    return this.add('GET', pattern, handler);
  }

  post(pattern: string, handler: HttpHandler): this {
    return this.add('POST', pattern, handler);
  }

  lookup(method: string, path: string): RouteLookup {
    const segments = split(path);
    const allow: string[] = [];
    for (const route of this.routes) {
      const params = match(route.segments, segments);
      if (params === null) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { kind: 'found', handler: route.handler, params };
      if (!allow.includes(route.method)) allow.push(route.method);
    }
    return allow.length > 0 ? { kind: 'wrong_method', allow } : { kind: 'not_found' };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function match(pattern: readonly string[], path: readonly string[]): Record<string, string> | null {
  if (pattern.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i] as string;
    const got = path[i] as string;
    if (want.startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(got);
      } catch {
        return null;
      }
      params[want.slice(1)] = value;
    } else if (want !== got) {
      return null;
    }
  }
  return params;
}
