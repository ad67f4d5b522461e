import { isToken } from './header-names.js';

/**
 * Parses `Access-Control-Request-Headers`: a comma-separated list of header names with optional
 * whitespace (Fetch standard: browsers send them lowercase, sorted, without duplicates, but
 * other clients may not). Returns lowercase names, empty items dropped, or `undefined` when an
 * item is not a header name at all.
 */
export function parseRequestHeaderList(value: string): string[] | undefined {
  const names: string[] = [];
  for (const item of value.split(',')) {
    const name = item.trim();
    if (name === '') continue;
    if (!isToken(name)) return undefined;
    names.push(name.toLowerCase());
  }
  return names;
}
