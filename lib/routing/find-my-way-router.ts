import FindMyWay from 'find-my-way';
import type { PathRouter, RouteMatchingOptions } from './path-router.js';

type Router = FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;

/**
 * find-my-way, the router Fastify itself uses, for templates beyond the plain syntax
 * (`:a-:b`, `:id(\\d+)`, `:id?`, `file.:ext`). It compiles code for every route it adds, so it
 * is only used when an application has such a route.
 */
export class FindMyWayRouter<T> implements PathRouter<T> {
  private readonly router: Router;

  constructor(options: RouteMatchingOptions) {
    this.router = FindMyWay({
      caseSensitive: options.caseSensitive,
      ignoreTrailingSlash: options.ignoreTrailingSlash,
      maxParamLength: options.maxParamLength ?? 100,
    });
  }

  /** @throws on a route already there: find-my-way cannot tell which to keep. */
  add(method: string, template: string, value: T): T {
    this.router.on(method as FindMyWay.HTTPMethod, template, noop, value as object);
    return value;
  }

  find(method: string, path: string): T | undefined {
    try {
      return (this.router.find(method as FindMyWay.HTTPMethod, path)?.store as T | undefined) ?? undefined;
    } catch {
      // Malformed percent-encoding: no route.
      return undefined;
    }
  }
}

function noop(): void {}
