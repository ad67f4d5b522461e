/**
 * A route template with its parameters' names dropped (`orders/:id.:ext` → `orders/:.:`):
 * two templates of one shape match the same paths, whatever their parameters are called.
 * An escaped colon (`::`) is text, and stays.
 */
export function routeShape(template: string): string {
  return template.replace(/(^|[^:]):[A-Za-z0-9_$]+/g, '$1:');
}
