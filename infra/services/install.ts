// What the services need on disk before they start: Debian packages (apt-get), jars from Maven
// Central (one `mvn dependency:copy-dependencies` over the modules of infra/maven/) and the compiled
// HDFS launcher. Jars and classes go to the cache directory under a name derived from the poms or
// the source, so a later run, or another checkout on the same machine, reuses them.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_INSTALL_TIMEOUT_MS } from '../../common/limits.ts';
import { REPO_ROOT, setting } from '../endpoints.ts';
import { run } from './process.ts';

export const MAVEN_MODULES = ['kafka', 'hdfs', 's3proxy'] as const;
export type MavenModule = (typeof MAVEN_MODULES)[number];

const MAVEN_DIR = join(REPO_ROOT, 'infra', 'maven');
const COMPLETE_MARKER = '.complete';

function hash(...parts: readonly string[]): string {
  const digest = createHash('sha256');
  for (const part of parts) digest.update(part).update('\0');
  return digest.digest('hex').slice(0, 12);
}

async function installed(pkg: string): Promise<boolean> {
  const result = await run('dpkg-query', ['-W', '-f=${Status}', pkg]);
  return result.code === 0 && result.output.includes('install ok installed');
}

async function commandExists(command: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v ${command}`])).code === 0;
}

let aptQueue: Promise<unknown> = Promise.resolve();

/** Installs the Debian packages that are missing (one apt-get at a time; refreshes lists once on failure). */
export function aptInstall(packages: readonly string[]): Promise<void> {
  const next = aptQueue.then(async () => {
    const missing: string[] = [];
    for (const pkg of packages) if (!(await installed(pkg))) missing.push(pkg);
    if (missing.length === 0) return;
    const prefix = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
    const apt = async (args: readonly string[]) => {
      const [command, ...rest] = [...prefix, 'apt-get', '-o', 'DPkg::Lock::Timeout=300', ...args];
      return run(command ?? 'apt-get', rest, { env: { DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: SERVICE_INSTALL_TIMEOUT_MS });
    };
    const installArgs = ['install', '-y', '-q', '--no-install-recommends', ...missing];
    process.stderr.write(`services: installing ${missing.join(' ')} with apt-get\n`);
    let result = await apt(installArgs);
    if (result.code !== 0) {
      await apt(['update', '-q']);
      result = await apt(installArgs);
    }
    if (result.code !== 0) {
      throw new Error(`apt-get install ${missing.join(' ')} failed (exit ${result.code}):\n${result.output.slice(-3000)}`);
    }
  });
  aptQueue = next.catch(() => undefined);
  return next;
}

/** Java and Maven themselves, from Debian, when the machine lacks them. */
export async function ensureJavaToolchain(): Promise<void> {
  const packages: string[] = [];
  if (!(await commandExists('javac'))) packages.push('openjdk-17-jdk-headless');
  if (!(await commandExists('mvn'))) packages.push('maven');
  if (packages.length > 0) await aptInstall(packages);
}

function cacheDir(): string {
  return setting('cacheDir');
}

export function jarsDir(module: MavenModule): string {
  const parent = readFileSync(join(MAVEN_DIR, 'pom.xml'), 'utf8');
  const own = readFileSync(join(MAVEN_DIR, module, 'pom.xml'), 'utf8');
  return join(cacheDir(), 'jars', `${module}-${hash(parent, own)}`);
}

function jarsReady(module: MavenModule): boolean {
  return existsSync(join(jarsDir(module), COMPLETE_MARKER));
}

let mavenQueue: Promise<unknown> = Promise.resolve();

/**
 * Makes sure the jars of `modules` are in the cache, fetching the missing ones with one Maven run
 * (into a private directory first, then renamed into place, so concurrent runs never see half a
 * directory). Returns the jar directory of each module.
 */
export function fetchJars(modules: readonly MavenModule[], logFile: string): Promise<ReadonlyMap<MavenModule, string>> {
  const next = mavenQueue.then(async () => {
    const missing = modules.filter((module) => !jarsReady(module));
    if (missing.length > 0) {
      await ensureJavaToolchain();
      const scratch = join(cacheDir(), 'jars', `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
      mkdirSync(scratch, { recursive: true });
      try {
        const repo = setting('mavenRepo');
        const args = [
          '-B', '-q', '-f', join(MAVEN_DIR, 'pom.xml'), '-pl', missing.join(','),
          `-Dpegasus.jars=${scratch}`, ...(repo === '' ? [] : [`-Dmaven.repo.local=${repo}`]),
          'dependency:copy-dependencies',
        ];
        process.stderr.write(`services: fetching jars for ${missing.join(', ')} with Maven\n`);
        const result = await run('mvn', args, { timeoutMs: SERVICE_INSTALL_TIMEOUT_MS });
        writeFileSync(logFile, result.output);
        if (result.code !== 0) throw new Error(`mvn ${args.join(' ')} failed (exit ${result.code}); see ${logFile}`);
        for (const module of missing) {
          const target = jarsDir(module);
          writeFileSync(join(scratch, module, COMPLETE_MARKER), '');
          if (!jarsReady(module)) {
            rmSync(target, { recursive: true, force: true });
            renameSync(join(scratch, module), target);
          }
        }
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    return new Map(modules.map((module) => [module, jarsDir(module)] as const));
  });
  mavenQueue = next.catch(() => undefined);
  return next;
}

/** Compiles a Java launcher kept under infra/ against `classpath`; returns its classes directory. */
export async function compileLauncher(source: string, classpath: string): Promise<string> {
  const text = readFileSync(source, 'utf8');
  const target = join(cacheDir(), 'classes', `${hash(text, classpath)}`);
  if (existsSync(join(target, COMPLETE_MARKER))) return target;
  await ensureJavaToolchain();
  const scratch = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(scratch, { recursive: true });
  try {
    const result = await run('javac', ['-nowarn', '-d', scratch, '-cp', classpath, source], { timeoutMs: SERVICE_INSTALL_TIMEOUT_MS });
    if (result.code !== 0) throw new Error(`javac ${source} failed:\n${result.output}`);
    writeFileSync(join(scratch, COMPLETE_MARKER), '');
    if (!existsSync(join(target, COMPLETE_MARKER))) {
      rmSync(target, { recursive: true, force: true });
      renameSync(scratch, target);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return target;
}
