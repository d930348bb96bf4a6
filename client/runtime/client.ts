// The client: the meta servers it asks for routing, the tables it has open, and the transport it
// sends through. Transport-agnostic: createClient (Node, TCP) and the edge client (fetch) build one
// of these around their own transport.

import { systemClock, type Clock } from '../../common/clock.ts';
import { CLIENT_META_SERVERS_MAX, CLIENT_TABLES_MAX, CLIENT_TIMEOUT_MS_DEFAULT, CLIENT_TIMEOUT_MS_MAX, META_TABLE_NAME_BYTES_MAX } from '../../common/limits.ts';
import { systemRandom, type Random } from '../../common/random.ts';
import type { CallOptions } from '../core/api-types.ts';
import { invalidArgument, PegasusClientError, type OperationContext } from '../core/client-error.ts';
import { RoutingTable } from '../core/routing-table.ts';
import type { Transport } from '../core/transport.ts';
import { budgetOf } from './budget.ts';
import { MetaSession } from './meta-session.ts';
import { Table } from './table.ts';

export interface ClientOptions {
  /** Meta server addresses, "host:port"; any of them may be the leader. */
  readonly metaServers: readonly string[];
  /** Default budget of every call in milliseconds, retries included. Default 5000. */
  readonly timeoutMs?: number;
}

export interface ClientRuntimeOptions extends ClientOptions {
  readonly transport: Transport;
  /** Wall clock for TTLs, monotonic clock for deadlines. Default the system clock. */
  readonly clock?: Clock;
  /** Jitter for retry backoff. Default Math.random. */
  readonly random?: Random;
}

const ADDRESS_PATTERN = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const TABLE_NAME_PATTERN = /^[0-9A-Za-z_.:]+$/;

export class PegasusClient {
  private readonly tables = new Map<string, Promise<Table>>();
  private readonly meta: MetaSession;
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: ClientRuntimeOptions) {
    const context: OperationContext = { table: '', operation: 'createClient' };
    if (!Array.isArray(options.metaServers) || options.metaServers.length === 0 || options.metaServers.length > CLIENT_META_SERVERS_MAX) {
      throw invalidArgument(context, `metaServers must list 1 to ${CLIENT_META_SERVERS_MAX} "host:port" addresses`);
    }
    for (const address of options.metaServers) {
      if (typeof address !== 'string' || !ADDRESS_PATTERN.test(address) || Number(address.split(':')[1]) > 0xffff) {
        throw invalidArgument(context, `meta server address ${JSON.stringify(address)} is not "host:port"`);
      }
    }
    const timeoutMs = options.timeoutMs ?? CLIENT_TIMEOUT_MS_DEFAULT;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > CLIENT_TIMEOUT_MS_MAX) {
      throw invalidArgument(context, `timeoutMs must be a number in (0, ${CLIENT_TIMEOUT_MS_MAX}], got ${String(timeoutMs)}`);
    }
    this.timeoutMs = timeoutMs;
    this.transport = options.transport;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    this.meta = new MetaSession(options.metaServers, this.transport, this.clock);
  }

  /** The meta servers this client knows: the configured ones, then leaders learned from forwards. */
  get metaServers(): readonly string[] {
    return this.meta.servers;
  }

  /**
   * Opens table `name`: fetches its routing from the meta leader. Opening the same name again
   * returns the same table. Rejects with ERR_OBJECT_NOT_FOUND when there is no such table.
   */
  openTable(name: string, options?: CallOptions): Promise<Table> {
    const context: OperationContext = { table: typeof name === 'string' ? name : '', operation: 'openTable' };
    try {
      if (this.closed) throw new PegasusClientError('ERR_SERVICE_NOT_ACTIVE', 'the client is closed', context, { retriable: false });
      checkTableName(name, context);
      const open = this.tables.get(name);
      if (open !== undefined) return open;
      if (this.tables.size >= CLIENT_TABLES_MAX) throw invalidArgument(context, `${CLIENT_TABLES_MAX} tables are open already`);
      const opening = this.loadTable(name, options, context);
      this.tables.set(name, opening);
      opening.catch(() => this.tables.delete(name));
      return opening;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Closes every connection; calls still running fail. The client cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tables.clear();
    await this.transport.close();
  }

  private async loadTable(name: string, options: CallOptions | undefined, context: OperationContext): Promise<Table> {
    const budget = budgetOf(options, this.timeoutMs, this.clock, context);
    const response = await this.meta.queryConfig(name, budget, context);
    if (response.err !== 'ERR_OK') {
      const what = response.err === 'ERR_OBJECT_NOT_FOUND' ? 'no such table' : 'the meta server cannot give its routing';
      throw new PegasusClientError(response.err, what, context);
    }
    const built = RoutingTable.fromQueryConfig(name, response, 1);
    if (!built.ok) throw new PegasusClientError('ERR_INVALID_DATA', `unusable routing from the meta server: ${built.reason}`, context, { retriable: false });
    return new Table(name, built.table, { transport: this.transport, meta: this.meta, clock: this.clock, random: this.random, timeoutMs: this.timeoutMs });
  }
}

function checkTableName(name: unknown, context: OperationContext): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > META_TABLE_NAME_BYTES_MAX || !TABLE_NAME_PATTERN.test(name)) {
    throw invalidArgument(context, `table name ${JSON.stringify(name)} must be 1 to ${META_TABLE_NAME_BYTES_MAX} characters of [0-9A-Za-z_.:]`);
  }
}
