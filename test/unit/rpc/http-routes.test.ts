// The HTTP route table alone: literal and parameter segments match, parameters are URI-decoded,
// a path served under other methods is reported with its allowed methods, HEAD finds GET routes,
// and nothing else matches.
import test from 'ava';
import { HttpRoutes, textReply } from '../../../cluster/rpc/node/http-routes.ts';

const ok = () => Promise.resolve(textReply(200, 'ok'));

test('routes match by method and pattern, with parameters', (t) => {
  const routes = new HttpRoutes().get('/healthz', ok).get('/v1/tables/:name/config', ok).post('/rpc', ok);
  const found = routes.lookup('GET', '/v1/tables/my%20table/config');
  t.is(found.kind, 'found');
  t.deepEqual(found.kind === 'found' ? found.params : null, { name: 'my table' });
  t.is(routes.lookup('HEAD', '/healthz').kind, 'found');
  t.is(routes.lookup('GET', '/healthz/').kind, 'found');
  t.deepEqual(routes.lookup('GET', '/rpc'), { kind: 'wrong_method', allow: ['POST'] });
  t.deepEqual(routes.lookup('GET', '/v1/tables/x'), { kind: 'not_found' });
  t.deepEqual(routes.lookup('GET', '/v1/tables/%E0%A4%A/config'), { kind: 'not_found' });
});

test('a route added twice or with a bad pattern is refused', (t) => {
  const routes = new HttpRoutes().get('/metrics', ok);
  t.throws(() => routes.get('/metrics', ok));
  t.throws(() => routes.get('metrics', ok));
  t.throws(() => routes.add('get', '/x', ok));
});
