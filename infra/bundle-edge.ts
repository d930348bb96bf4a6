// npm run bundle:edge: writes the edge client bundle to dist/edge/pegasus-edge.min.mjs and prints
// its size minified and gzipped (docs/client.md records it).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEdgeBundle } from './bundle/edge-bundle.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'edge', 'pegasus-edge.min.mjs');
const bundle = await buildEdgeBundle(root);
mkdirSync(dirname(outfile), { recursive: true });
writeFileSync(outfile, bundle.code);
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
console.log(`${relative(root, outfile)}: ${bundle.bytes} bytes (${kb(bundle.bytes)}) minified, ${bundle.gzipBytes} bytes (${kb(bundle.gzipBytes)}) gzipped, ${bundle.inputs.length} modules`);
