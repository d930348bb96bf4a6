// The election of a meta server on the file store: the store's lock already makes it the only
// one, so it leads from start to close.
import type { LeaderElection, LeadershipChange } from './meta-store.ts';

export class LocalLeaderElection implements LeaderElection {
  private readonly listeners = new Set<(change: LeadershipChange) => void>();
  private leading = false;

  constructor(private readonly address: string) {}

  start(): Promise<void> {
    if (!this.leading) this.change({ leader: true, reason: 'elected' });
    return Promise.resolve();
  }

  isLeader(): boolean {
    return this.leading;
  }

  leaderAddress(): Promise<string | undefined> {
    return Promise.resolve(this.leading ? this.address : undefined);
  }

  onLeadershipChange(listener: (change: LeadershipChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    if (this.leading) this.change({ leader: false, reason: 'closed' });
    return Promise.resolve();
  }

  private change(change: LeadershipChange): void {
    this.leading = change.leader;
    for (const listener of [...this.listeners]) listener(change);
  }
}
