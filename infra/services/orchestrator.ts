// up / down / status over the services: installs what is missing, starts what does not answer yet
// (in parallel), waits for real health with a deadline, and stops only what it started itself.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SERVICE_INSTALL_TIMEOUT_MS, SERVICE_START_TIMEOUT_MS } from '../../common/limits.ts';
import { endpoints, setting, type ServiceName, type SettingName } from '../endpoints.ts';
import { hdfs } from './hdfs.ts';
import { aptInstall, fetchJars, type MavenModule } from './install.ts';
import { kafka } from './kafka.ts';
import type { Owner } from './leases.ts';
import { listensOn, portListened } from './ports.ts';
import { isAlive, latestRun, launch, ownedPid, stopPid, tail } from './process.ts';
import { redis } from './redis.ts';
import { s3 } from './s3proxy.ts';
import type { Service } from './service.ts';
import { zookeeper } from './zookeeper.ts';

export const SERVICES: Readonly<Record<ServiceName, Service>> = { zookeeper, kafka, redis, hdfs, s3 };

export type ServiceState =
  | { readonly kind: 'started'; readonly pid: number }
  | { readonly kind: 'running'; readonly pid: number }
  | { readonly kind: 'external' }
  | { readonly kind: 'halted'; readonly pid: number }
  | { readonly kind: 'stopped' };

export interface ServiceReport {
  readonly name: ServiceName;
  readonly state: ServiceState;
  readonly address: string;
  readonly log: string;
}

function serviceDir(name: ServiceName): string {
  return join(setting('runDir'), name);
}

function pidFile(name: ServiceName): string {
  return join(serviceDir(name), 'pid');
}

export function logFile(name: ServiceName): string {
  return join(serviceDir(name), `${name}.log`);
}

function ourPid(service: Service): number | undefined {
  const { pidFile: file, marker } = ownerOf(service.name);
  return ownedPid(file, marker);
}

/** What identifies our process of `name`: its pid file and the text its command line contains. */
export function ownerOf(name: ServiceName): Owner {
  const service = SERVICES[name];
  const dir = serviceDir(name);
  return { pidFile: pidFile(name), marker: service.processMarker?.(dir, endpoints()) ?? dir };
}

const MAIN_PORT: Readonly<Record<ServiceName, SettingName>> = {
  zookeeper: 'zookeeperPort', kafka: 'kafkaPort', redis: 'redisPort', hdfs: 'hdfsHttpPort', s3: 's3Port',
};

/** The same for every checkout that uses the same host and port for `name` (see leases.ts). */
export function leaseKey(name: ServiceName): string {
  return `${name}-${setting(MAIN_PORT[name])}`;
}

function report(service: Service, state: ServiceState): ServiceReport {
  return { name: service.name, state, address: service.address(endpoints()), log: logFile(service.name) };
}

class ServiceStartError extends Error {}

/**
 * Waits until the service answers; for a process just launched (`exited` given), until that very
 * process holds the port, so that a twin launched at the same moment by another checkout (which
 * loses the port) is not taken for a success.
 */
async function waitHealthy(service: Service, exited: Promise<string> | undefined, pid: number): Promise<void> {
  const deadline = Date.now() + SERVICE_START_TIMEOUT_MS;
  let exit: string | undefined;
  void exited?.then((how) => { exit = how; });
  for (;;) {
    if (await service.healthy(endpoints()) && (exited === undefined || listensOn(pid, service.port(endpoints())))) return;
    const log = logFile(service.name);
    if (exit !== undefined) {
      throw new ServiceStartError(`${service.name} exited (${exit}) before answering on ${service.address(endpoints())}; see ${log}\n${tail(log)}`);
    }
    if (Date.now() > deadline) {
      throw new ServiceStartError(`${service.name} (pid ${pid}) did not answer on ${service.address(endpoints())} within ${SERVICE_START_TIMEOUT_MS / 1000} s; see ${log}\n${tail(log)}`);
    }
    await sleep(250);
  }
}

type Plan = { readonly service: Service; readonly action: 'start' } | { readonly service: Service; readonly action: 'wait'; readonly pid: number } | { readonly service: Service; readonly action: 'external' };

async function plan(service: Service): Promise<Plan> {
  const dir = serviceDir(service.name);
  const pid = ourPid(service);
  if (pid !== undefined) return { service, action: 'wait', pid };
  service.forgetStale?.(dir);
  if (await service.healthy(endpoints())) return { service, action: 'external' };
  return { service, action: 'start' };
}

async function answersWithin(service: Service, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await service.healthy(endpoints())) return true;
    await sleep(250);
  }
  return false;
}

async function start(service: Service): Promise<ServiceReport> {
  const dir = serviceDir(service.name);
  mkdirSync(dir, { recursive: true });
  const spec = await service.prepare({ dir, endpoints: endpoints() });
  const launched = launch(spec, logFile(service.name), pidFile(service.name));
  try {
    await waitHealthy(service, launched.exited, launched.pid);
  } catch (error) {
    await stopPid(launched.pid, pidFile(service.name));
    service.afterStop?.(dir);
    // Another checkout may have started the same service on the same ports at the same moment.
    const lostPort = portListened(service.port(endpoints())) || latestRun(logFile(service.name)).includes('Address already in use');
    if (lostPort && (await answersWithin(service, SERVICE_START_TIMEOUT_MS))) {
      return report(service, { kind: 'external' });
    }
    throw error;
  }
  return report(service, { kind: 'started', pid: launched.pid });
}

/**
 * Brings `names` up. A service of ours already running is waited for, one answering that we did
 * not start is used as is, the rest are installed and started. Services that did start stay up
 * even if another fails; the error lists every failure.
 */
export async function up(names: readonly ServiceName[]): Promise<ServiceReport[]> {
  const release = await lockForStart(names);
  try {
    return await upLocked(names);
  } finally {
    release();
  }
}

/**
 * Takes the start lock of each service (a file holding our pid, in the service's directory), in
 * name order so that two `up`s never wait on each other in a circle. A second `up` of the same
 * checkout waits here and then finds the services running instead of starting twins.
 */
async function lockForStart(names: readonly ServiceName[]): Promise<() => void> {
  const locks: string[] = [];
  const release = () => { for (const lock of locks) rmSync(lock, { force: true }); };
  const deadline = Date.now() + SERVICE_INSTALL_TIMEOUT_MS + SERVICE_START_TIMEOUT_MS;
  try {
    for (const name of [...names].sort()) {
      const lock = join(serviceDir(name), 'start.lock');
      mkdirSync(serviceDir(name), { recursive: true });
      for (;;) {
        try {
          writeFileSync(lock, String(process.pid), { flag: 'wx' });
          locks.push(lock);
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const holder = Number(readFileSync(lock, 'utf8').trim());
        if (Number.isInteger(holder) && holder > 1 && !isAlive(holder)) {
          rmSync(lock, { force: true });
          continue;
        }
        if (Date.now() > deadline) throw new Error(`${name}: process ${holder} has been starting it for too long; remove ${lock} if that process is gone`);
        await sleep(250);
      }
    }
  } catch (error) {
    release();
    throw error;
  }
  return release;
}

async function upLocked(names: readonly ServiceName[]): Promise<ServiceReport[]> {
  const services = names.map((name) => SERVICES[name]);
  const plans = await Promise.all(services.map(plan));
  const toStart = plans.filter((entry) => entry.action === 'start').map((entry) => entry.service);
  const packages = [...new Set(toStart.flatMap((service) => service.aptPackages))];
  const modules = [...new Set(toStart.flatMap((service) => (service.mavenModule === undefined ? [] : [service.mavenModule])))] as MavenModule[];
  mkdirSync(setting('runDir'), { recursive: true });
  const installs = await Promise.allSettled([
    packages.length > 0 ? aptInstall(packages) : Promise.resolve(),
    modules.length > 0 ? fetchJars(modules, join(setting('runDir'), 'maven.log')) : Promise.resolve(),
  ]);
  const installErrors = installs.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
  if (installErrors.length > 0) throw new Error(installErrors.map((error) => (error instanceof Error ? error.message : String(error))).join('\n'));
  const outcomes = await Promise.allSettled(plans.map(async (entry): Promise<ServiceReport> => {
    switch (entry.action) {
      case 'start': return start(entry.service);
      case 'wait':
        await waitHealthy(entry.service, undefined, entry.pid);
        return report(entry.service, { kind: 'running', pid: entry.pid });
      case 'external': return report(entry.service, { kind: 'external' });
    }
  }));
  const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
  if (failures.length > 0) {
    const started = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value.state.kind === 'started' ? [outcome.value.name] : []));
    const message = failures.map((error) => (error instanceof Error ? error.message : String(error))).join('\n\n');
    throw new ServicesUpError(message, started);
  }
  return outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
}

/** `up` failed; `started` names the services it did start, which the caller may want to stop. */
export class ServicesUpError extends Error {
  constructor(message: string, readonly started: readonly ServiceName[]) {
    super(message);
  }
}

/** Stops the services of `names` that these scripts started (by pid); leaves every other process alone. */
export async function down(names: readonly ServiceName[]): Promise<ServiceReport[]> {
  return Promise.all(names.map(async (name) => {
    const service = SERVICES[name];
    const dir = serviceDir(name);
    const pid = ourPid(service);
    if (pid === undefined) return status(name);
    await stopPid(pid, pidFile(name));
    service.afterStop?.(dir);
    return report(service, { kind: 'halted', pid });
  }));
}

export async function status(name: ServiceName): Promise<ServiceReport> {
  const service = SERVICES[name];
  const pid = ourPid(service);
  if (pid !== undefined) return report(service, { kind: 'running', pid });
  if (await service.healthy(endpoints())) return report(service, { kind: 'external' });
  return report(service, { kind: 'stopped' });
}

export function describe(entry: ServiceReport): string {
  const state = entry.state;
  switch (state.kind) {
    case 'started': return `${entry.name}: started (pid ${state.pid}) on ${entry.address}; log ${entry.log}`;
    case 'running': return `${entry.name}: running (pid ${state.pid}) on ${entry.address}; log ${entry.log}`;
    case 'external': return `${entry.name}: answering on ${entry.address}, not started by these scripts (left alone)`;
    case 'halted': return `${entry.name}: stopped (pid ${state.pid})`;
    case 'stopped': return `${entry.name}: not running (${entry.address})`;
  }
}
