// The replica server's HTTP routes besides the RPC server's own (/healthz, POST /rpc):
//   GET /metrics      Prometheus text
//   GET /v1/replicas  {"node","leaseValid","metaLeader","replicas":[{"gpid","app","role","ballot",
//                     "committedDecree","appliedDecree","preparedDecree","learning","logBytes"}]}
// bigint values (ballots, decrees, bytes) are JSON numbers.
import { gpidKey } from '../../meta/core/types.ts';
import { jsonReply, type HttpRoutes } from '../../rpc/node/http-routes.ts';
import type { NodeId } from '../../replication/configuration.ts';
import type { ReplicaMetrics } from './replica-metrics.ts';
import type { HostedReplicaInfo } from '../host/replica-host.ts';

export interface StatusSource {
  readonly address: NodeId;
  readonly metrics: ReplicaMetrics;
  leaseValid(): boolean;
  metaServer(): NodeId;
  replicaStatuses(): readonly HostedReplicaInfo[];
}

export function addStatusRoutes(routes: HttpRoutes, source: StatusSource): void {
  routes.get('/metrics', async () => ({ status: 200, contentType: source.metrics.contentType, body: await source.metrics.text() }));
  routes.get('/v1/replicas', () => {
    const replicas = source.replicaStatuses()
      .map((status) => ({
        gpid: gpidKey(status.gpid),
        app: status.app.name,
        role: status.role,
        ballot: Number(status.ballot),
        committedDecree: Number(status.committedDecree),
        appliedDecree: Number(status.appliedDecree),
        preparedDecree: Number(status.preparedDecree),
        learning: status.learning,
        logBytes: Number(status.logBytes),
      }))
      .sort((a, b) => compareGpidText(a.gpid, b.gpid));
    return Promise.resolve(jsonReply(200, { node: source.address, leaseValid: source.leaseValid(), metaLeader: source.metaServer(), replicas }));
  });
}

function compareGpidText(a: string, b: string): number {
  const [appA = 0, indexA = 0] = a.split('.').map(Number);
  const [appB = 0, indexB = 0] = b.split('.').map(Number);
  return appA - appB || indexA - indexB;
}
