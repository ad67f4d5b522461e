// `node --import ./test/support/swc-register.mjs <file>.ts`: see swc-loader.mjs.
import { register } from 'node:module';

register('./swc-loader.mjs', import.meta.url);
