export { Cors } from './cors.decorator.js';
export { CorsModule } from './cors.module.js';
export { CorsGuard } from './cors.guard.js';
export { CorsPolicyService } from './cors-policy.service.js';
export {
  CorsAuditService,
  type CorsExplainInput,
  type CorsExplanation,
  type CorsGatewayReport,
  type CorsRouteReport,
} from './cors-audit.service.js';
export type { CorsPolicySummary, CorsRisk, CorsRiskCode } from './policy/audit.js';
export { CORS_MODULE_OPTIONS, CORS_POLICY_METADATA } from './cors.constants.js';
export type {
  CorsDangerouslyAllow,
  CorsModuleAsyncOptions,
  CorsModuleOptions,
  CorsOptionsFactory,
  CorsOriginCallback,
  CorsOriginEntry,
  CorsOrigins,
  CorsOriginsCache,
  CorsPolicy,
  CorsPolicyReference,
  CorsRequest,
} from './cors-module-options.js';
export {
  CorsConfigurationError,
  type CorsConfigurationProblem,
  type CorsConfigurationProblemCode,
} from './policy/configuration-error.js';
export type { CorsRefusalReason } from './policy/verdict.js';
export {
  CorsForeignLayerError,
  CorsMultipleImportsError,
  CorsSetupError,
  type CorsSetupErrorCode,
  type ForeignCorsLayer,
  type ForeignCorsLayerKind,
} from './cors-setup-error.js';
