// Type-checked against the packed package's CommonJS declarations (Node16 resolution, require).
import nestCors = require('nest-cors');
import testing = require('nest-cors/testing');

const options: nestCors.CorsModuleOptions = { global: { origins: '*' }, paths: { '/docs/*': false } };
export const module = nestCors.CorsModule.forRoot(options);
export const probe: typeof testing.probePreflight = testing.probePreflight;
