// Waits `ms`, or rejects with the signal's reason as soon as it aborts: the pause between polls of
// a partition upload and between rate-limited parts, both of which cancel_backup must cut short.
import { setTimeout as delay } from 'node:timers/promises';

export async function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await delay(ms, undefined, signal === undefined ? {} : { signal });
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason as Error;
    throw error;
  }
}
