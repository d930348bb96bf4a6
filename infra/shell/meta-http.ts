// The meta server's HTTP JSON API as the shell and the onebox use it: tries each given meta server
// in turn, follows 307 redirects to the leader (bounded), and turns every failure into an error
// that names the address tried and what came back.
import { SHELL_HTTP_BODY_BYTES_MAX, SHELL_HTTP_TIMEOUT_MS, SHELL_REDIRECTS_MAX } from '../../common/limits.ts';

/** An operating error of the shell: printed as is, exit status 1. */
export class ShellError extends Error {}

/** The meta server answered with an error body `{"error":"ERR_...","message":"..."}`. */
export class MetaApiError extends ShellError {
  constructor(readonly code: string, readonly status: number, readonly address: string, message: string) {
    super(message);
  }
}

/** No meta server could be reached at all. */
export class MetaUnreachableError extends ShellError {}

export interface MetaHttpOptions {
  readonly timeoutMs?: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Answer {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
}

async function readBounded(response: Response, address: string): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > SHELL_HTTP_BODY_BYTES_MAX) {
      await reader.cancel();
      throw new ShellError(`the answer of ${address} is larger than ${SHELL_HTTP_BODY_BYTES_MAX} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = cause instanceof Error ? (cause as NodeJS.ErrnoException).code ?? cause.message : undefined;
    if (error.name === 'TimeoutError') return 'no answer in time';
    return code ?? error.message;
  }
  return String(error);
}

function parseJson(body: string, address: string, path: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new ShellError(`${address} answered ${path} with something other than JSON: ${body.slice(0, 200)}`);
  }
}

function errorFields(value: unknown): { error?: string; message?: string; leader?: string } {
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  return {
    ...(typeof record['error'] === 'string' ? { error: record['error'] } : {}),
    ...(typeof record['message'] === 'string' ? { message: record['message'] } : {}),
    ...(typeof record['leader'] === 'string' ? { leader: record['leader'] } : {}),
  };
}

/** The host:port a redirect's Location names (absolute URL or host:port). */
export function leaderFromLocation(location: string): string | undefined {
  try {
    const url = new URL(location);
    return url.host === '' ? undefined : url.host;
  } catch {
    return /^[^\s/:]+:\d+$/.test(location) ? location : undefined;
  }
}

export class MetaHttp {
  readonly #metas: readonly string[];
  readonly #timeoutMs: number;
  /** The leader learned from a redirect; asked first from then on. */
  #leader: string | undefined;

  constructor(metas: readonly string[], options: MetaHttpOptions = {}) {
    this.#metas = metas;
    this.#timeoutMs = options.timeoutMs ?? SHELL_HTTP_TIMEOUT_MS;
  }

  get metas(): readonly string[] {
    return this.#metas;
  }

  async #once(address: string, method: HttpMethod, path: string, body: unknown): Promise<Answer> {
    const response = await fetch(`http://${address}${path}`, {
      method,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.#timeoutMs),
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.status, location: response.headers.get('location') ?? undefined, body: await readBounded(response, address) };
  }

  /**
   * `method path` on the leader: each meta server in turn until one answers, following its
   * redirect to the leader. Resolves with the parsed JSON of a 2xx answer.
   */
  async request<T>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
    const tried: string[] = [];
    let noLeader: string | undefined;
    const start = this.#leader === undefined ? [...this.#metas] : [this.#leader, ...this.#metas.filter((meta) => meta !== this.#leader)];
    for (const first of start) {
      let address = first;
      for (let hop = 0; ; hop++) {
        let answer: Answer;
        try {
          answer = await this.#once(address, method, path, body);
        } catch (error) {
          if (error instanceof ShellError) throw error;
          tried.push(`${address} (${describeFailure(error)})`);
          break;
        }
        if (answer.status >= 200 && answer.status < 300) {
          if (address !== first || this.#leader !== undefined) this.#leader = address;
          return (answer.body === '' ? {} : parseJson(answer.body, address, path)) as T;
        }
        const fields = errorFields(answer.body === '' ? {} : safeJson(answer.body));
        if (answer.status === 307 || answer.status === 308) {
          const leader = (answer.location === undefined ? undefined : leaderFromLocation(answer.location)) ?? fields.leader;
          if (leader === undefined || leader === '') throw new ShellError(`${address} redirected ${path} without saying where`);
          if (hop >= SHELL_REDIRECTS_MAX) {
            throw new ShellError(`${path}: more than ${SHELL_REDIRECTS_MAX} redirects between meta servers (last ${address} -> ${leader}); is the leader changing?`);
          }
          address = leader;
          continue;
        }
        // No leader known yet, or the leader is still reading its state: another may answer.
        if (fields.error === 'ERR_FORWARD_TO_OTHERS' || fields.error === 'ERR_SERVICE_NOT_ACTIVE') {
          noLeader = `${address}: ${fields.error}${fields.message === undefined ? '' : `, ${fields.message}`}`;
          break;
        }
        const code = fields.error ?? `HTTP ${answer.status}`;
        throw new MetaApiError(code, answer.status, address, `${code}: ${fields.message ?? answer.body.slice(0, 200)} (meta server ${address})`);
      }
    }
    if (noLeader !== undefined) {
      throw new MetaUnreachableError(`no meta leader ready yet (${noLeader}); an election or recovery may be under way, try again shortly`);
    }
    throw new MetaUnreachableError(`cannot reach a meta server: tried ${tried.join(', ')}; is the cluster running? (\`npx pegasus onebox start\` starts a local one)`);
  }
}

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
