// For integration tests: the endpoints of the real services, and a check that one answers, failing
// with how to start it rather than with a connection error deep inside a client.
import { randomBytes } from 'node:crypto';
import { endpoints, type ServiceName } from '../../infra/endpoints.ts';
import { SERVICES } from '../../infra/services/orchestrator.ts';

export { endpoints, s3ClientConfig } from '../../infra/endpoints.ts';

/** Throws unless `name` answers a real request at its configured endpoint. */
export async function requireService(name: ServiceName): Promise<void> {
  const service = SERVICES[name];
  if (await service.healthy(endpoints())) return;
  throw new Error(`${name} is not answering on ${service.address(endpoints())}: \`npm test\` starts it, or run \`npm run services:up -- ${name}\` (docs/services.md)`);
}

/** A name no other test run uses: `${prefix}-<hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
