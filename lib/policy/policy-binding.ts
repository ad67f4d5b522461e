/**
 * The one mutable reference between a route (or gateway) and its compiled policy. Compiled
 * policies are frozen; a runtime update (`CorsPolicyService`) compiles new ones and points every
 * binding that uses the changed policy at them, all in one synchronous step. A request reads
 * `current` once and keeps what it read, so it finishes under the policy it started with.
 */
export class PolicyBinding<P> {
  constructor(private policy: P) {}

  /** The policy requests starting now are decided under. */
  get current(): P {
    return this.policy;
  }

  /** Points the binding at a newly compiled policy: only the registry's swap calls this. */
  rebind(policy: P): void {
    this.policy = policy;
  }
}
