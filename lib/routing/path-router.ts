/** How the adapter matches paths, which the route table must match alike. */
export interface RouteMatchingOptions {
  readonly caseSensitive: boolean;
  readonly ignoreTrailingSlash: boolean;
  /** Longer parameters match nothing (find-my-way's default: 100). */
  readonly maxParamLength?: number;
  /**
   * Whether the adapter serves the first registered route a path matches (Express tries its
   * routes in order), rather than the most specific one (find-my-way, so Fastify).
   */
  readonly firstRegisteredWins?: boolean;
}

/** Finds the value registered for the route template a request path matches. */
export interface PathRouter<T> {
  /**
   * Adds a route, unless one with the same method and template shape is there already.
   * @returns the value the route now holds (the earlier one, if there was one), or `undefined`
   *   when this router does not hold templates of this syntax.
   * @throws when the template or method is invalid.
   */
  add(method: string, template: string, value: T): T | undefined;
  /** The value of the route `method` and `path` (no query string) reach, if any. */
  find(method: string, path: string): T | undefined;
}
