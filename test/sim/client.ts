// A simulated client: routes each operation to the partition's primary as the meta server last
// described it, sends it once, and records invocation, response and outcome in the history. A
// write answered ERR_TIMEOUT or not answered at all is `unknown`; any other error means it was not
// executed (the core's contract) and is `failed`. Clients never resend a write on their own: a
// resent write could take effect twice around another client's write.
import type { Gpid, PartitionConfiguration } from '../../cluster/replication/index.ts';
import { gpidKey } from '../../cluster/meta/core/types.ts';
import type { SimContext } from './context.ts';
import { META_ADDRESS } from './context.ts';
import type { History, Operation, OperationKind, Outcome } from './history.ts';
import type { ClientReply, SimMessage } from './messages.ts';
import type { RandomStream } from './random-stream.ts';

export interface OperationRequest {
  readonly kind: OperationKind;
  readonly key: string;
  readonly final?: boolean;
}

type Waiter = (reply: ClientReply | undefined) => void;

export class SimClient {
  private readonly configs = new Map<string, { config: PartitionConfiguration; fetchedMs: number }>();
  private readonly waiting = new Map<number, Waiter>();
  private nextRequestId = 1;
  private nextValue = 1;
  private running = false;

  constructor(
    private readonly ctx: SimContext,
    readonly address: string,
    private readonly history: History,
    private readonly random: RandomStream,
    private readonly route: (key: string) => Gpid,
  ) {}

  /** Runs a closed loop of random operations on `keys` until stop(). */
  startWorkload(keys: readonly string[]): void {
    this.running = true;
    const loop = (): void => {
      if (!this.running) return;
      const kind: OperationKind = this.random.chance(this.ctx.swarm.putRatio) ? 'put' : 'get';
      this.execute({ kind, key: this.random.pick(keys) }, () => {
        this.ctx.queue.after(this.random.range(0, this.ctx.swarm.clientThinkMsMax), `${this.address} think`, loop);
      });
    };
    this.ctx.queue.after(this.random.range(0, 100), `${this.address} start`, loop);
  }

  stop(): void {
    this.running = false;
  }

  receive(_from: string, message: SimMessage): void {
    if (message.kind !== 'client_reply' && message.kind !== 'query_config_reply') return;
    const waiter = this.waiting.get(message.requestId);
    if (waiter === undefined) return;
    this.waiting.delete(message.requestId);
    waiter(message);
  }

  /**
   * One attempt: find the primary (asking the meta server when needed), send the operation once,
   * record it. `done` gets the outcome, or undefined when no primary was known (nothing recorded).
   */
  execute(request: OperationRequest, done: (outcome: Outcome | undefined, operation: Operation | undefined) => void): void {
    const gpid = this.route(request.key);
    const cached = this.configs.get(gpidKey(gpid));
    const fresh = cached !== undefined && this.ctx.queue.nowMs - cached.fetchedMs < this.ctx.swarm.clientConfigTtlMs;
    const config = fresh ? cached.config : undefined;
    if (config === undefined || config.primary === '') {
      this.call(META_ADDRESS, (requestId) => ({ kind: 'query_config', requestId, gpid }), (reply) => {
        if (reply?.kind === 'query_config_reply' && reply.config !== undefined && reply.config.primary !== '') {
          this.configs.set(gpidKey(gpid), { config: reply.config, fetchedMs: this.ctx.queue.nowMs });
          this.send(request, reply.config, gpid, done);
        } else {
          this.ctx.queue.after(this.ctx.swarm.clientTimeoutMs / 4, `${this.address} backoff`, () => done(undefined, undefined));
        }
      });
      return;
    }
    this.send(request, config, gpid, done);
  }

  private send(request: OperationRequest, config: PartitionConfiguration, gpid: Gpid, done: (outcome: Outcome | undefined, operation: Operation | undefined) => void): void {
    const value = request.kind === 'put' ? `${this.address}:${this.nextValue++}` : undefined;
    const operation = this.history.invoke({
      client: this.address,
      kind: request.kind,
      key: request.key,
      nowMs: this.ctx.queue.nowMs,
      final: request.final ?? false,
      ...(value === undefined ? {} : { value }),
    });
    // With the injected stale-reads bug, reads go to any member, as backup requests do.
    const members = [config.primary, ...config.secondaries];
    const target = request.kind === 'get' && this.ctx.bug === 'stale-reads' ? this.random.pick(members) : config.primary;
    this.call(
      target,
      (requestId): SimMessage =>
        value === undefined ? { kind: 'client_get', gpid, requestId, key: request.key } : { kind: 'client_put', gpid, requestId, key: request.key, value },
      (reply) => {
        const now = this.ctx.queue.nowMs;
        let outcome: Outcome;
        if (reply === undefined || reply.kind !== 'client_reply') outcome = 'unknown';
        else if (reply.error === 'ERR_OK') outcome = 'ok';
        else if (reply.error === 'ERR_TIMEOUT') outcome = 'unknown';
        else outcome = 'failed';
        if (outcome !== 'ok') this.configs.delete(gpidKey(gpid));
        this.history.complete(operation, outcome, now, outcome === 'ok' && request.kind === 'get' && reply?.kind === 'client_reply' ? (reply.value ?? null) : undefined);
        done(outcome, operation);
      },
    );
  }

  private call(to: string, build: (requestId: number) => SimMessage, onReply: Waiter): void {
    const requestId = this.nextRequestId++;
    this.waiting.set(requestId, onReply);
    this.ctx.network.send(this.address, to, build(requestId));
    this.ctx.queue.after(this.ctx.swarm.clientTimeoutMs, `${this.address} timeout ${requestId}`, () => {
      const waiter = this.waiting.get(requestId);
      if (waiter === undefined) return;
      this.waiting.delete(requestId);
      waiter(undefined);
    });
  }
}
