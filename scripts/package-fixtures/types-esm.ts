// Type-checked against the packed package's ES-module declarations (NodeNext resolution).
import { CorsModule, type CorsModuleOptions, type CorsPolicy } from 'nest-cors';
import { corsMatchers, type CorsExchange } from 'nest-cors/testing';

const policy: CorsPolicy = { origins: ['https://app.example.com'], credentials: true, maxAge: 600 };
const options: CorsModuleOptions = {
  policies: { partners: policy },
  enforce: true,
  paths: { '/graphql': 'partners', '/docs/*': false },
};
export const module = CorsModule.forRoot(options);
export const matchers: typeof corsMatchers = corsMatchers;
export type Exchange = CorsExchange;
