/** The sample's tenants: each may call the API from `https://<tenant>.tenants.example.net`. */
const tenants = new Set(['acme', 'globex']);
const TENANT_ORIGIN = /^https:\/\/([a-z0-9-]+)\.tenants\.example\.net$/;

/**
 * An origin callback, as a real service would write one: asynchronous, because tenant lists
 * usually live in a database.
 */
export async function isTenantOrigin(origin: string): Promise<boolean> {
  const match = TENANT_ORIGIN.exec(origin);
  return match !== null && tenants.has(match[1]);
}
