/** Where Nest keeps a handler's parameter decorators, keyed `${RouteParamtypes}:${index}`. */
const ROUTE_ARGS_METADATA = '__routeArguments__';
/** `RouteParamtypes.RESPONSE` (1) and `RouteParamtypes.NEXT` (2), as they start those keys. */
const RESPONSE_OR_NEXT_KEY = /^[12]:/;

type Constructor = abstract new (...args: never[]) => unknown;

/**
 * Whether a controller's handler takes `@Res()` or `@Next()` (with `passthrough` or not), and so
 * may write its response itself, around the framework's own response object. Nest's keys are
 * spelled out rather than deep-imported, so that one build serves Nest 11 (CommonJS) and Nest 12
 * (ESM); they are the same in both. Read through the class chain: an inherited handler's
 * parameters are declared on the class that defines it.
 */
export function respondsDirectly(controller: Constructor, methodName: string): boolean {
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, methodName) as Record<string, unknown> | undefined;
  if (args === undefined) return false;
  for (const key in args) if (RESPONSE_OR_NEXT_KEY.test(key)) return true;
  return false;
}

/** `RouteParamtypes.NEXT` (2), as it starts those keys. */
const NEXT_KEY = /^2:/;

/**
 * Whether a controller's handler takes `@Next()`, and so may decline a request: Express then
 * runs the next route that matches.
 */
export function takesNext(controller: Constructor, methodName: string): boolean {
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, methodName) as Record<string, unknown> | undefined;
  if (args === undefined) return false;
  for (const key in args) if (NEXT_KEY.test(key)) return true;
  return false;
}
