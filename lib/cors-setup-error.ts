/** Machine-readable reason of a {@link CorsSetupError}. */
export type CorsSetupErrorCode = 'foreign_cors_layer' | 'multiple_imports';

/** What answers CORS beside the module, as {@link CorsForeignLayerError} reports it. */
export type ForeignCorsLayerKind =
  /** Nest's own: `app.enableCors()` or `NestFactory.create(…, { cors })` (Fastify: its `@fastify/cors` hook). */
  | 'nest_enable_cors'
  /** The `cors` middleware in Express's router: `app.enableCors()`, `NestFactory.create(…, { cors })` or `app.use(cors())`. */
  | 'cors_middleware'
  /** `@fastify/cors` registered on the Fastify instance. */
  | 'fastify_cors'
  /** engine.io's `cors` option on a socket.io server: `@WebSocketGateway({ cors })`, or set by a custom `IoAdapter`. */
  | 'socket_io_cors';

export interface ForeignCorsLayer {
  readonly kind: ForeignCorsLayerKind;
  /** How the layer was found, for the message. */
  readonly description: string;
}

/**
 * Thrown at bootstrap when the application is put together so that `CorsModule` cannot be the
 * one answering CORS: `code` says why. Catch this class to handle both kinds.
 */
export class CorsSetupError extends Error {
  constructor(
    readonly code: CorsSetupErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Another CORS layer runs beside the module (`code: 'foreign_cors_layer'`). It answers every
 * preflight the module leaves alone and writes its own `Access-Control-Allow-Origin` (with the
 * `cors` defaults: any origin; reflected with credentials) on the responses of `@Cors()` routes,
 * silently bypassing their policies.
 */
export class CorsForeignLayerError extends CorsSetupError {
  declare readonly code: 'foreign_cors_layer';

  constructor(readonly layers: readonly ForeignCorsLayer[]) {
    super(
      'foreign_cors_layer',
      `Another CORS layer is active beside CorsModule: ${layers.map((l) => l.description).join('; ')}. ` +
        'It answers preflights and adds its own Access-Control-Allow-Origin to the responses of @Cors() routes, bypassing their policies. ' +
        'Remove it: remove `cors` from the NestFactory.create() options (or @WebSocketGateway() options) and the app.enableCors(), app.use(cors()) or @fastify/cors registration; nest-cors answers CORS ' +
        '(routes outside controllers: its `global` and `paths` options). ' +
        'If the other layer is intended, set `allowOtherCorsLayers: true` in CorsModule.forRoot().',
    );
  }
}

/**
 * `CorsModule` is imported more than once with what are, to Nest, different configurations
 * (`code: 'multiple_imports'`): each import would get its own policies, request hook and guard.
 * Imports with equal options (the same object, or equal values) are one import and never get
 * here.
 */
export class CorsMultipleImportsError extends CorsSetupError {
  declare readonly code: 'multiple_imports';

  /**
   * @param importedBy the modules that import it, as far as their metadata tells (may be empty).
   * @param difference where the first two sets of options differ (`policies.partner`), or
   *   `undefined` when their values are equal (separate `forRootAsync()` factories).
   */
  constructor(
    readonly count: number,
    readonly importedBy: readonly string[],
    readonly difference: string | undefined,
  ) {
    super(
      'multiple_imports',
      `CorsModule is imported ${count} times${importedBy.length > 0 ? ` (by ${importedBy.join(', ')})` : ''}, ` +
        (difference === undefined
          ? 'as separate configurations (forRootAsync() with different factories). '
          : `with different options (they differ at \`${difference}\`). `) +
        'Import CorsModule.forRoot() or forRootAsync() once, in the root module, with every named policy there: ' +
        "it is global, so feature modules only use @Cors('name') and need not import it.",
    );
  }
}
