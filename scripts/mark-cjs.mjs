// dist/cjs holds the CommonJS build (for Nest 11 apps that require() the package): mark it as
// such, since the package itself is "type": "module".
import { writeFileSync } from 'node:fs';
writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
