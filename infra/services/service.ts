// What the orchestrator (infra/services/orchestrator.ts) knows about one kind of service.
import type { Endpoints, ServiceName } from '../endpoints.ts';
import type { MavenModule } from './install.ts';
import type { LaunchSpec } from './process.ts';

export interface ServiceContext {
  /** The service's own directory under the run directory: config, data, log and pid file. */
  readonly dir: string;
  readonly endpoints: Endpoints;
}

export interface Service {
  readonly name: ServiceName;
  /** Debian packages it runs from, installed when missing. */
  readonly aptPackages: readonly string[];
  /** Maven module of infra/maven/ whose jars it runs from, if any. */
  readonly mavenModule?: MavenModule;
  /** Heap of its JVM, when it is one. */
  readonly heapMb?: number;
  /** The port its health probe asks on; the process we start must hold it itself. */
  port(endpoints: Endpoints): number;
  /** Where it answers, for status lines. */
  address(endpoints: Endpoints): string;
  /** One real request answered the way a ready server answers it. */
  healthy(endpoints: Endpoints): Promise<boolean>;
  /** Writes its configuration under `context.dir` and says how to start it (after installs). */
  prepare(context: ServiceContext): Promise<LaunchSpec>;
  /**
   * Text that the command line of our process contains (default: the service's directory); a pid
   * whose command line lacks it is not ours.
   */
  processMarker?(dir: string, endpoints: Endpoints): string;
  /** Forgets state of a previous run of ours that is no longer running (before deciding to start). */
  forgetStale?(dir: string): void;
  /** After our process stopped. */
  afterStop?(dir: string): void;
}
