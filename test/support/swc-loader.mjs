// Node ESM loader hooks that run the repository's TypeScript (lib/, sample/, test/) in a plain
// Node process, compiled by @swc/core with the decorator metadata Nest needs: the same
// compilation as jest.config.js. For what Jest's module runtime cannot load: on Node < 24.9 it
// cannot require() an ES module, so a CommonJS package that requires Nest 12 (ESM only), such
// as @nestjs/throttler 6, only runs outside Jest. Registered by swc-register.mjs:
//   node --import ./test/support/swc-register.mjs app.ts
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';

const OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

/** `./x.js` imported from TypeScript is `./x.ts` (NodeNext convention) when only the .ts exists. */
export async function resolve(specifier, context, nextResolve) {
  if (/^\.{1,2}\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const asTs = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (!existsSync(new URL(specifier, context.parentURL)) && existsSync(asTs))
      return { url: asTs.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), { ...OPTIONS, filename });
  return { format: 'module', source: code, shortCircuit: true };
}
