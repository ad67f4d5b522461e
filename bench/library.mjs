// Which build of nest-cors the benchmarks load: dist/lib (what `npm run build` writes), or the
// directory named by BENCH_LIB. A build of one's own keeps a measurement steady while someone
// else rebuilds dist/ (`npm run build` deletes it first), e.g.
//
//   npx tsc -p tsconfig.build.json --outDir bench/results/scratch/build
//   BENCH_LIB=bench/results/scratch/build/lib node bench/server-costs.mjs
//
// It must lie inside this checkout, so that it finds these node_modules.
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The file URL of the library's ESM entry point. */
export function libraryUrl() {
  const dir = process.env.BENCH_LIB;
  return pathToFileURL(dir ? resolve(ROOT, dir, 'index.js') : resolve(ROOT, 'dist/lib/index.js')).href;
}
