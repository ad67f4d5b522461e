/** How the adapter matches paths, which the route table must match alike. */
export interface RouteMatchingOptions {
  readonly caseSensitive: boolean;
  readonly ignoreTrailingSlash: boolean;
  /** Longer parameters match nothing (find-my-way's default: 100). */
  readonly maxParamLength?: number;
}

/** Finds the value registered for the route template a request path matches. */
export interface PathRouter<T> {
  /** @throws when the router cannot represent the template or method. */
  add(method: string, template: string, value: T): void;
  /** The value of the route `method` and `path` (no query string) reach, if any. */
  find(method: string, path: string): T | undefined;
}
