/**
 * Translates an Express 5 route path (path-to-regexp v8: `:param`, `*splat`, `{optional}`)
 * into the find-my-way paths that match the same URLs. Returns `undefined` for syntax with no
 * find-my-way equivalent (escapes, a wildcard before the end); such routes are then resolved
 * by the guard alone.
 */
export function expressPathToRoutePaths(path: string): string[] | undefined {
  if (!/[{}*\\"]/.test(path)) return [path === '' ? '/' : path]; // the same in both syntaxes
  if (path.includes('\\') || path.includes('"')) return undefined;
  const expanded = expandOptionalGroups(path);
  if (expanded === undefined) return undefined;
  const result: string[] = [];
  for (const variant of expanded) {
    const star = variant.indexOf('*');
    if (star === -1) {
      result.push(variant);
      continue;
    }
    // `*name` matches one or more characters up to the end of the path.
    if (!/^\*[A-Za-z_$][\w$]*$/.test(variant.slice(star))) return undefined;
    result.push(`${variant.slice(0, star)}*`);
  }
  return [...new Set(result.map((p) => (p === '' ? '/' : p)))];
}

/** `a{/:b}{/c}` → `a`, `a/:b`, `a/c`, `a/:b/c` (groups may nest). */
function expandOptionalGroups(path: string): string[] | undefined {
  const open = path.indexOf('{');
  if (open === -1) return path.includes('}') ? undefined : [path];
  let depth = 0;
  for (let i = open; i < path.length; i++) {
    if (path[i] === '{') depth++;
    else if (path[i] === '}' && --depth === 0) {
      const inner = expandOptionalGroups(path.slice(open + 1, i));
      const rest = expandOptionalGroups(path.slice(i + 1));
      if (inner === undefined || rest === undefined) return undefined;
      const head = path.slice(0, open);
      return ['', ...inner].flatMap((middle) => rest.map((tail) => head + middle + tail));
    }
  }
  return undefined;
}
