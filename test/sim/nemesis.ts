// The nemesis: during the fault phase it acts every few hundred or thousand virtual milliseconds,
// each time drawing which faults to inject from the seed's swarm rates — network partitions of
// the enabled kinds, clogged links, heals, process crashes, power losses, pauses of replica
// servers, and meta server crashes — and schedules the matching recoveries.
import type { SimContext } from './context.ts';
import { META_ADDRESS } from './context.ts';
import type { SimMetaServer } from './meta-server.ts';
import type { RandomStream } from './random-stream.ts';
import type { SimReplicaServer } from './replica-server.ts';

export class Nemesis {
  private active = false;

  constructor(
    private readonly ctx: SimContext,
    private readonly random: RandomStream,
    private readonly servers: readonly SimReplicaServer[],
    private readonly meta: SimMetaServer,
  ) {}

  start(untilMs: number): void {
    this.active = true;
    const loop = (): void => {
      if (!this.active || this.ctx.queue.nowMs >= untilMs) return;
      this.act(untilMs);
      const interval = this.ctx.swarm.nemesisIntervalMs;
      this.ctx.queue.after(this.random.range(interval / 2, interval * 2), 'nemesis', loop);
    };
    this.ctx.queue.after(this.random.range(0, this.ctx.swarm.nemesisIntervalMs), 'nemesis', loop);
  }

  stop(): void {
    this.active = false;
  }

  /** Ends every fault: network whole and quiet, every server up and running, the meta server up. */
  healAll(): void {
    this.stop();
    this.ctx.network.heal();
    for (const server of this.servers) {
      if (!server.isUp) server.start();
      else if (server.isPaused) server.resume();
    }
    if (!this.meta.isUp) this.meta.start();
    this.ctx.trace.log('nemesis', 'heal everything');
  }

  private act(untilMs: number): void {
    const { faults, partitionKinds } = this.ctx.swarm;
    const network = this.ctx.network;
    const nodes = [META_ADDRESS, ...this.servers.map((server) => server.address)];
    if (this.random.chance(faults.healNetwork)) {
      network.heal();
      this.ctx.trace.log('nemesis', 'heal network');
    }
    if (partitionKinds.length > 0 && this.random.chance(faults.partition)) {
      this.ctx.stats.partitions++;
      this.ctx.trace.log('nemesis', network.partition(this.random.pick(partitionKinds), nodes));
    }
    if (this.random.chance(faults.clog)) {
      const [from, to] = this.random.shuffle(nodes) as [string, string];
      const duration = this.random.range(100, 3000);
      network.clog(from, to, duration);
      this.ctx.stats.clogs++;
      this.ctx.trace.log('nemesis', `clog ${from}->${to} for ${duration} ms`);
    }
    if (this.random.chance(faults.crash)) this.takeDown(untilMs, 'crash');
    if (this.random.chance(faults.powerLoss)) this.takeDown(untilMs, 'power');
    if (this.random.chance(faults.pause)) this.takeDown(untilMs, 'pause');
    if (this.meta.isUp && this.random.chance(faults.metaCrash)) {
      this.meta.crash();
      this.ctx.stats.metaCrashes++;
      this.later(untilMs, () => {
        if (!this.meta.isUp) this.meta.start();
      });
    }
  }

  private takeDown(untilMs: number, how: 'crash' | 'power' | 'pause'): void {
    const down = this.servers.filter((server) => !server.isUp || server.isPaused).length;
    const candidates = this.servers.filter((server) => server.isUp && !server.isPaused);
    if (down >= this.ctx.swarm.downServersMax || candidates.length === 0) return;
    // A power loss is most telling while writes are in flight: prefer a server with unsynced entries.
    const inFlight = candidates.filter((candidate) => candidate.unsyncedEntries > 0);
    const server = this.random.pick(how === 'power' && inFlight.length > 0 ? inFlight : candidates);
    if (how === 'pause') {
      server.pause();
      this.later(untilMs, () => server.resume());
      return;
    }
    server.crash(how === 'power');
    this.later(untilMs, () => {
      if (!server.isUp) server.start();
    });
  }

  /** Schedules a recovery within the fault phase; after it, healAll() does it. */
  private later(untilMs: number, work: () => void): void {
    const delay = this.random.range(100, this.ctx.swarm.downtimeMsMax);
    if (this.ctx.queue.nowMs + delay >= untilMs) return;
    this.ctx.queue.after(delay, 'nemesis recovery', () => {
      if (this.active) work();
    });
  }
}
