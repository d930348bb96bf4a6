// The edge client as one minified ES module with no imports (client/edge/index.ts and everything it
// reaches), the form an application's bundler would produce. `npm run bundle:edge` writes it and
// prints its size; the edge runtime tests (test/integration/edge/) load what this builds.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const EDGE_ENTRY = 'client/edge/index.ts';

export interface EdgeBundle {
  readonly code: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Every module that went into the bundle, relative to the repository root. */
  readonly inputs: readonly string[];
}

export async function buildEdgeBundle(root: string): Promise<EdgeBundle> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [EDGE_ENTRY],
    bundle: true,
    format: 'esm',
    // Neutral: no Node built-ins are assumed, so importing one fails the build instead of
    // leaving a `node:` import that edge runtimes cannot load.
    platform: 'neutral',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error('esbuild produced no output');
  const code = output.text;
  return {
    code,
    bytes: output.contents.length,
    gzipBytes: gzipSync(output.contents, { level: 9 }).length,
    inputs: Object.keys(result.metafile.inputs),
  };
}
