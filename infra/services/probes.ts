// Health probes: each sends one real request to a service and says whether it was answered the
// way a ready server answers. A probe never throws; a refused or timed-out request is `false`.
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { SERVICE_PROBE_TIMEOUT_MS } from '../../common/limits.ts';

/** Sends `request` over TCP and returns everything answered until the server closes or `done` says so. */
function exchange(host: string, port: number, request: string, done: (answer: string) => boolean): Promise<string | undefined> {
  return new Promise((resolveAnswer) => {
    let answer = '';
    const socket = connect({ host, port });
    const finish = (value: string | undefined): void => {
      socket.destroy();
      resolveAnswer(value);
    };
    socket.setTimeout(SERVICE_PROBE_TIMEOUT_MS, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (done(answer)) finish(answer);
    });
    socket.once('end', () => finish(answer));
  });
}

/** ZooKeeper's `srvr` command reports `Mode:` only once the server serves requests. */
export async function zookeeperServes(host: string, port: number): Promise<boolean> {
  const answer = await exchange(host, port, 'srvr', () => false);
  return answer !== undefined && /^Mode: (standalone|leader|follower|observer)$/m.test(answer);
}

export async function redisAnswersPing(host: string, port: number): Promise<boolean> {
  const answer = await exchange(host, port, 'PING\r\n', (text) => text.includes('\r\n'));
  return answer?.startsWith('+PONG') === true;
}

/** The broker answers a metadata request (through kafkajs, as the project's code will) with itself in it. */
export async function kafkaServes(brokers: readonly string[]): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'pegasus-ts-probe',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: SERVICE_PROBE_TIMEOUT_MS,
    requestTimeout: SERVICE_PROBE_TIMEOUT_MS,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function getJson(url: string): Promise<unknown> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(SERVICE_PROBE_TIMEOUT_MS) });
    if (!response.ok) return undefined;
    return await response.json();
  } catch {
    return undefined;
  }
}

/**
 * The NameNode is out of safe mode, a DataNode has registered with space to write, and WebHDFS
 * answers a file-status request for the root.
 */
export async function hdfsServes(host: string, httpPort: number, user: string): Promise<boolean> {
  const base = `http://${host}:${httpPort}`;
  const jmx = await getJson(`${base}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState`);
  const bean = (jmx as { beans?: Record<string, unknown>[] } | undefined)?.beans?.[0];
  if (bean === undefined) return false;
  if (bean['FSState'] !== 'Operational') return false;
  if (typeof bean['NumLiveDataNodes'] !== 'number' || bean['NumLiveDataNodes'] < 1) return false;
  if (typeof bean['CapacityRemaining'] !== 'number' || bean['CapacityRemaining'] <= 0) return false;
  const status = await getJson(`${base}/webhdfs/v1/?op=GETFILESTATUS&user.name=${encodeURIComponent(user)}`);
  return (status as { FileStatus?: { type?: string } } | undefined)?.FileStatus?.type === 'DIRECTORY';
}

/** An unsigned request is refused the S3 way: HTTP 403 with an XML `<Error>` body. */
export async function s3Answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(SERVICE_PROBE_TIMEOUT_MS) });
    const body = await response.text();
    return response.status === 403 && body.includes('<Error>') && body.includes('<Code>');
  } catch {
    return false;
  }
}
