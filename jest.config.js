// Jest runs in its ESM mode (node --experimental-vm-modules): Nest 12 ships ES modules only,
// and Jest on Node 20 cannot require() them. @swc/jest compiles TypeScript with the decorator
// metadata Nest needs. NEST_MAJOR=11 runs the same suites against the Nest 11 packages
// installed in compat/nest11 (npm run test:e2e:nest11).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
  },
];

const nest11 =
  process.env.NEST_MAJOR === '11'
    ? {
        '^@nestjs/(common|core|platform-express|platform-fastify|platform-socket.io|platform-ws|testing|websockets)(/.*)?$':
          '<rootDir>/compat/nest11/node_modules/@nestjs/$1$2',
      }
    : {};

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { ...nest11, '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': swc },
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'] },
  ],
};
