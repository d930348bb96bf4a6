// Redis: the server already answering on PEGASUS_TS_REDIS_PORT (6379: these machines run one) is
// used as is and never stopped; otherwise Debian's redis-server is started on the project's own
// port (PEGASUS_TS_REDIS_OWN_PORT, or PEGASUS_TS_REDIS_PORT when that was set explicitly), without
// persistence, and the chosen port is recorded for infra/endpoints.ts.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { SETTINGS, redisPortFile, setting } from '../endpoints.ts';
import { redisAnswersPing } from './probes.ts';
import type { Service } from './service.ts';

export const redis: Service = {
  name: 'redis',
  aptPackages: ['redis-server'],
  port: (endpoints) => endpoints.redis.port,
  address: (endpoints) => `${endpoints.redis.host}:${endpoints.redis.port}`,
  healthy: (endpoints) => redisAnswersPing(endpoints.redis.host, endpoints.redis.port),
  // redis-server rewrites its process title to `redis-server 127.0.0.1:PORT`, dropping --dir.
  processMarker: (_dir, endpoints) => `redis-server 127.0.0.1:${endpoints.redis.port}`,
  forgetStale: () => rmSync(redisPortFile(), { force: true }),
  afterStop: () => rmSync(redisPortFile(), { force: true }),
  async prepare({ dir }) {
    const explicit = process.env[SETTINGS.redisPort.env];
    const port = explicit === undefined || explicit === '' ? setting('redisOwnPort') : explicit;
    mkdirSync(dir, { recursive: true });
    writeFileSync(redisPortFile(), `${port}\n`);
    return {
      command: 'redis-server',
      args: ['--bind', '127.0.0.1', '--port', port, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', ''],
      cwd: dir,
    };
  },
};
