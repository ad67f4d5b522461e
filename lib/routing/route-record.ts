import type { RoutePolicy } from './route-table.js';

/** One route as Nest registered it on the adapter, with its policy: what the audit lists. */
export interface RouteRecord {
  readonly method: string;
  /** The final path: global prefix, version and `RouterModule` path included. */
  readonly path: string;
  /** `Controller.handler` (several, joined, for an inherited method shared by controllers). */
  readonly location: string;
  readonly policy: RoutePolicy;
  /** Whether the route table could represent the path (else only the guard decorates it). */
  readonly resolvable: boolean;
}
