// Packs nest-cors and installs the tarball into two fresh apps: Nest 12 as ES modules and
// Nest 11 as CommonJS. Each app boots, answers a preflight and an actual request through the
// packed code, and type-checks against the packed declarations; the Nest 12 one also serves
// GraphQL (Apollo) with a `paths` policy. Run by `npm test`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'scripts/package-fixtures');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nest11 = JSON.parse(readFileSync(join(root, 'compat/nest11/package.json'), 'utf8')).dependencies;
const dev = rootPackage.devDependencies;
const work = mkdtempSync(join(tmpdir(), 'nest-cors-package-'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

let passed = 0;
let failed = 0;
try {
  const tarball = join(
    work,
    run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop(),
  );
  const apps = [
    {
      name: 'nest12-esm',
      type: 'module',
      entry: 'nest12-esm.mjs',
      types: { file: 'types-esm.ts', module: 'NodeNext' },
      deps: {
        '@nestjs/common': dev['@nestjs/common'],
        '@nestjs/core': dev['@nestjs/core'],
        '@nestjs/platform-express': dev['@nestjs/platform-express'],
        'reflect-metadata': dev['reflect-metadata'],
        rxjs: dev.rxjs,
        '@types/node': dev['@types/node'],
        // A GraphQL (Apollo) app beside the module, with a `paths` policy.
        '@nestjs/graphql': dev['@nestjs/graphql'],
        '@nestjs/apollo': dev['@nestjs/apollo'],
        '@apollo/server': dev['@apollo/server'],
        '@as-integrations/express5': dev['@as-integrations/express5'],
        graphql: dev.graphql,
      },
    },
    {
      name: 'nest11-cjs',
      type: 'commonjs',
      entry: 'nest11-cjs.cjs',
      types: { file: 'types-cjs.cts', module: 'Node16' },
      deps: {
        '@nestjs/common': nest11['@nestjs/common'],
        '@nestjs/core': nest11['@nestjs/core'],
        '@nestjs/platform-express': nest11['@nestjs/platform-express'],
        'reflect-metadata': nest11['reflect-metadata'],
        rxjs: nest11.rxjs,
        '@types/node': dev['@types/node'],
      },
    },
  ];
  for (const app of apps) {
    const dir = join(work, app.name);
    run('mkdir', ['-p', dir], work);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify(
        {
          name: app.name,
          private: true,
          type: app.type,
          dependencies: { ...app.deps, 'nest-cors': `file:${tarball}` },
        },
        null,
        2,
      ),
    );
    copyFileSync(join(fixtures, app.entry), join(dir, app.entry));
    copyFileSync(join(fixtures, app.types.file), join(dir, app.types.file));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: app.types.module,
          moduleResolution: app.types.module,
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          experimentalDecorators: true,
          lib: ['ES2022'],
          target: 'ES2022',
        },
        files: [app.types.file],
      }),
    );
    try {
      run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'], dir);
      process.stdout.write(run(process.execPath, [app.entry], dir));
      run(process.execPath, [tsc, '-p', 'tsconfig.json'], dir);
      console.log(`✓ ${app.name}: installs from the tarball, serves CORS, type-checks`);
      passed++;
    } catch (error) {
      console.error(`✕ ${app.name}: ${error.stdout ?? ''}${error.message}`);
      failed++;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`package: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
