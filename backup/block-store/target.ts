// A backup target as operators write it: s3://bucket/prefix, hdfs://host:port/path or
// file:///absolute/dir. Parsing is pure so the shell, the meta server and tests refuse a bad
// target alike, before anything is scheduled.
import { BlockStoreError } from './block-store.ts';

export type BlockTarget =
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'hdfs'; readonly host: string; readonly port: number; readonly path: string }
  | { readonly kind: 'file'; readonly dir: string };

const bad = (target: string, why: string): never => {
  throw new BlockStoreError('ERR_INVALID_PARAMETERS', `backup target ${JSON.stringify(target.slice(0, 200))} ${why}; expected s3://bucket/prefix, hdfs://host:port/path or file:///dir`, false);
};

function trimSlashes(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '');
}

export function parseBlockTarget(target: string): BlockTarget {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return bad(target, 'is not a URL');
  }
  if (url.search !== '' || url.hash !== '') bad(target, 'has a query or fragment');
  switch (url.protocol) {
    case 's3:': {
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(url.hostname)) bad(target, 'has no valid bucket name');
      return { kind: 's3', bucket: url.hostname, prefix: trimSlashes(decodeURIComponent(url.pathname)) };
    }
    case 'hdfs:': {
      if (url.hostname === '') bad(target, 'has no NameNode host');
      const port = url.port === '' ? 9870 : Number(url.port);
      return { kind: 'hdfs', host: url.hostname, port, path: `/${trimSlashes(decodeURIComponent(url.pathname))}` };
    }
    case 'file:': {
      if (url.hostname !== '') bad(target, 'names a host (write file:///absolute/dir)');
      const dir = decodeURIComponent(url.pathname).replace(/\/+$/, '');
      if (dir === '') bad(target, 'names the filesystem root');
      return { kind: 'file', dir };
    }
    default:
      return bad(target, `has unknown scheme ${url.protocol}`);
  }
}
