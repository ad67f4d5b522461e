import type { PathRouter, RouteMatchingOptions } from './path-router.js';

interface SegmentNode<T> {
  /** Children by static segment; created with the first (most nodes of a tree have none). */
  statics: Map<string, SegmentNode<T>> | undefined;
  /** The child for a `:name` segment (all parameter names share it, as in find-my-way). */
  param: SegmentNode<T> | undefined;
  /** The route `<this node's path>/*`, if any. */
  wildcard: T | undefined;
  /** The route ending at this node, if any. */
  value: T | undefined;
}

/**
 * Segments of plain text (none of the characters that mean more to find-my-way: `:*()?`) or of
 * one whole `:name`, and at most a final `/*`.
 */
const PLAIN_TEMPLATE = /^(?:\/(?:[^/:*()?]*|:[A-Za-z0-9_]+))*(?:\/\*)?$/;

/**
 * Whether `template` (find-my-way syntax) uses only what {@link PlainPathRouter} holds: static
 * segments, whole-segment `:name` parameters and a final `/*`. Nearly every Nest route does;
 * the rest (`:a-:b`, `:id(\\d+)`, `:id?`, `file.:ext`) go to find-my-way.
 */
export function isPlainTemplate(template: string): boolean {
  return template.startsWith('/') && PLAIN_TEMPLATE.test(template);
}

/**
 * A segment tree for plain templates, one per method. It matches paths as find-my-way does
 * (a property test holds the two side by side): the path is percent-decoded except for
 * reserved characters, and a dead end backtracks to the next candidate. Of several matching
 * routes, a static segment beats a parameter, which beats a wildcard, as in find-my-way; or,
 * given `orderOf` and `firstRegisteredWins`, the route registered first wins, as in Express.
 * Adding a route is a few `Map` operations, where find-my-way compiles functions per route:
 * for a thousand routes, 3–6 ms at bootstrap instead of 13–21 (bench/ANALYSIS.md).
 */
export class PlainPathRouter<T> implements PathRouter<T> {
  private readonly trees = new Map<string, SegmentNode<T>>();
  private readonly maxParamLength: number;
  private readonly orderOf: ((value: T) => number) | undefined;

  /** @param orderOf the registration order of a route's value, when `firstRegisteredWins`. */
  constructor(
    private readonly options: RouteMatchingOptions,
    orderOf?: (value: T) => number,
  ) {
    this.maxParamLength = options.maxParamLength ?? 100;
    this.orderOf = options.firstRegisteredWins === true ? orderOf : undefined;
  }

  add(method: string, template: string, value: T): T | undefined {
    if (!isPlainTemplate(template)) return undefined;
    const segments = this.normalize(template).slice(1).split('/');
    let node = this.trees.get(method);
    if (node === undefined) this.trees.set(method, (node = emptyNode<T>()));
    const wildcard = segments[segments.length - 1] === '*';
    if (wildcard) segments.pop();
    for (const segment of segments) {
      if (segment.startsWith(':')) node = node.param ??= emptyNode();
      else {
        const statics: Map<string, SegmentNode<T>> = (node.statics ??= new Map());
        let child = statics.get(segment);
        if (child === undefined) statics.set(segment, (child = emptyNode<T>()));
        node = child;
      }
    }
    return wildcard ? (node.wildcard ??= value) : (node.value ??= value);
  }

  find(method: string, url: string): T | undefined {
    const tree = this.trees.get(method);
    if (tree === undefined) return undefined;
    const path = this.pathOf(url);
    if (path === undefined) return undefined;
    return this.orderOf === undefined ? this.match(tree, path, 1) : this.earliest(tree, path, 1, this.orderOf);
  }

  /** The request path as find-my-way matches it, or `undefined` when it cannot be decoded. */
  private pathOf(url: string): string | undefined {
    let path = url.charCodeAt(0) === 47 ? url : pathOfAbsoluteUrl(url);
    if (path === undefined) return undefined;
    // A fragment never comes from a browser, but a client may send one: it ends the path.
    const hash = path.indexOf('#', 1);
    if (hash !== -1) path = path.slice(0, hash);
    if (path.includes('%')) {
      // Like find-my-way: decode all but the reserved characters (`decodeURI` keeps `%2F` and
      // the like), keeping `%25` as it is so that no new escape appears.
      try {
        path = decodeURI(path.replaceAll('%25', '%2525'));
      } catch {
        return undefined;
      }
    }
    return this.normalize(path);
  }

  private normalize(path: string): string {
    if (this.options.ignoreTrailingSlash && path.length > 1 && path.charCodeAt(path.length - 1) === 47) path = path.slice(0, -1);
    return this.options.caseSensitive ? path : path.toLowerCase();
  }

  /** The route below `node` for `path` from `start` (just after a `/`), in find-my-way's order. */
  private match(node: SegmentNode<T>, path: string, start: number): T | undefined {
    const slash = path.indexOf('/', start);
    const end = slash === -1 ? path.length : slash;
    const child = node.statics?.get(path.slice(start, end));
    if (child !== undefined) {
      const found = slash === -1 ? child.value : this.match(child, path, slash + 1);
      if (found !== undefined) return found;
    }
    const { param } = node;
    if (param !== undefined && parameterLength(path, start, end) <= this.maxParamLength) {
      const found = slash === -1 ? param.value : this.match(param, path, slash + 1);
      if (found !== undefined) return found;
    }
    return node.wildcard;
  }

  /** The earliest registered route below `node` for `path` from `start`: every branch is tried. */
  private earliest(node: SegmentNode<T>, path: string, start: number, orderOf: (value: T) => number): T | undefined {
    const slash = path.indexOf('/', start);
    const end = slash === -1 ? path.length : slash;
    let best = node.wildcard;
    const child = node.statics?.get(path.slice(start, end));
    if (child !== undefined) {
      best = earlier(best, slash === -1 ? child.value : this.earliest(child, path, slash + 1, orderOf), orderOf);
    }
    const { param } = node;
    if (param !== undefined && parameterLength(path, start, end) <= this.maxParamLength) {
      best = earlier(best, slash === -1 ? param.value : this.earliest(param, path, slash + 1, orderOf), orderOf);
    }
    return best;
  }
}

function earlier<T>(a: T | undefined, b: T | undefined, orderOf: (value: T) => number): T | undefined {
  if (a === undefined) return b;
  return b === undefined || orderOf(a) < orderOf(b) ? a : b;
}

function emptyNode<T>(): SegmentNode<T> {
  return { statics: undefined, param: undefined, wildcard: undefined, value: undefined };
}

/** A parameter's length once its reserved escapes (`%2F`…, left by `decodeURI`) are decoded too. */
function parameterLength(path: string, start: number, end: number): number {
  let length = end - start;
  for (let i = path.indexOf('%', start); i !== -1 && i < end; i = path.indexOf('%', i + 3)) length -= 2;
  return length;
}

/**
 * The path of an absolute-form request target (`GET http://host/items HTTP/1.1`), which Node
 * hands over as it came and both adapters route by its path.
 */
function pathOfAbsoluteUrl(url: string): string | undefined {
  const match = /^https?:\/\/[^/?#]+/i.exec(url);
  if (match === null || url.includes('#')) return undefined;
  const rest = url.slice(match[0].length);
  return rest.startsWith('/') ? rest : '/';
}
