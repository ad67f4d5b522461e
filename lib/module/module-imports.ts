import type { DynamicModule } from '@nestjs/common';
import { MODULE_IMPORTS_METADATA, type Constructor } from '../nest-metadata.js';

/**
 * Injection token of the import a `CorsModule` instance comes from: one {@link CorsModuleImport}
 * per dynamic module `forRoot()`/`forRootAsync()` returns. A string, like the options token, so
 * that the ES-module and CommonJS builds agree on it.
 */
export const CORS_MODULE_IMPORT = 'nest-cors:module-import';

/** Marks an import, so that the modules importing it can be named. */
export class CorsModuleImport {
  constructor(readonly method: 'forRoot' | 'forRootAsync') {}
}

/**
 * Nest makes one module instance per dynamic module *object* it is given (the default
 * `moduleIdGeneratorAlgorithm: 'reference'` of Nest 11 and 12), so that every `forRoot()` call
 * would otherwise be a module of its own, with its own providers: its own policies, request hook
 * and guard, and a `CorsAuditService` that depends on which module asks. Equal options therefore
 * get the same dynamic module back: the same object (or none, `forRoot()`), or equal values
 * ({@link firstDifference}). Per method; kept weakly, for as long as an importing module's
 * metadata holds the dynamic module.
 */
export class DynamicModuleCache {
  private readonly byOptions = new WeakMap<object, DynamicModule>();
  private readonly live = new Set<WeakRef<DynamicModule>>();
  private readonly optionsOf = new WeakMap<DynamicModule, object>();

  get(options: object, build: () => DynamicModule): DynamicModule {
    const same = this.byOptions.get(options);
    if (same !== undefined) return same;
    for (const ref of this.live) {
      const module = ref.deref();
      if (module === undefined) {
        this.live.delete(ref);
        continue;
      }
      if (firstDifference(this.optionsOf.get(module), options) === undefined) {
        this.byOptions.set(options, module);
        return module;
      }
    }
    const module = build();
    this.byOptions.set(options, module);
    this.optionsOf.set(module, options);
    this.live.add(new WeakRef(module));
    return module;
  }
}

/**
 * Where two option values first differ, as a path (`policies.partner.origins[0]`; `''` for the
 * values themselves), or `undefined` when they are equal: plain objects and arrays by their
 * contents (a key set to `undefined` is a key not set), `RegExp`s by source and flags, dates by
 * time, anything else (functions, classes, other instances) by identity.
 */
export function firstDifference(a: unknown, b: unknown): string | undefined {
  return differenceAt(a, b, '', []);
}

function differenceAt(a: unknown, b: unknown, path: string, comparing: [unknown, unknown][]): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return path;
  if (comparing.some(([x, y]) => x === a && y === b)) return undefined; // a cycle: equal so far
  if (a instanceof RegExp || b instanceof RegExp) {
    return a instanceof RegExp && b instanceof RegExp && a.source === b.source && a.flags === b.flags
      ? undefined
      : path;
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime() ? undefined : path;
  }
  comparing.push([a, b]);
  try {
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b)) return path;
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (i >= a.length || i >= b.length) return `${path}[${i}]`;
        const found = differenceAt(a[i], b[i], `${path}[${i}]`, comparing);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (!isPlain(a) || !isPlain(b)) return path;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const valueA = (a as Record<string, unknown>)[key];
      const valueB = (b as Record<string, unknown>)[key];
      const at = /^[A-Za-z_$][\w$]*$/.test(key)
        ? path === ''
          ? key
          : `${path}.${key}`
        : `${path}[${JSON.stringify(key)}]`;
      const found = differenceAt(valueA, valueB, at, comparing);
      if (found !== undefined) return found;
    }
    return undefined;
  } finally {
    comparing.pop();
  }
}

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

interface ImportEntry {
  module?: unknown;
  imports?: unknown;
  providers?: unknown;
}

/**
 * The modules whose metadata imports one of `imports` (a `forRoot()`/`forRootAsync()` marker),
 * by class name, in the order given: every module's `@Module({ imports })`, and the `imports`
 * of dynamic modules listed there (credited to the dynamic module's class). Imports Nest
 * resolves later (promises, `forwardRef()`) are not followed.
 */
export function importersOf(metatypes: Iterable<Constructor>, imports: ReadonlySet<CorsModuleImport>): string[] {
  const names: string[] = [];
  const visited = new Set<unknown>();
  const visit = (owner: string, entries: unknown): void => {
    if (!Array.isArray(entries)) return;
    for (const entry of entries as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const dynamic = entry as ImportEntry;
      const marker = markerOf(dynamic.providers);
      if (marker !== undefined && imports.has(marker) && !names.includes(owner)) names.push(owner);
      if (visited.has(entry)) continue;
      visited.add(entry);
      const name = (dynamic.module as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string') visit(name, dynamic.imports);
    }
  };
  for (const metatype of metatypes) visit(metatype.name, Reflect.getMetadata(MODULE_IMPORTS_METADATA, metatype));
  return names;
}

function markerOf(providers: unknown): CorsModuleImport | undefined {
  if (!Array.isArray(providers)) return undefined;
  for (const provider of providers as unknown[]) {
    const { provide, useValue } = (provider ?? {}) as { provide?: unknown; useValue?: unknown };
    if (provide === CORS_MODULE_IMPORT && useValue instanceof CorsModuleImport) return useValue;
  }
  return undefined;
}
