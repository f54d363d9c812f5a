/**
 * The path of an absolute URL, as `new URL(url).pathname` gives it for the URLs Node's HTTP server
 * hands over, without parsing the rest. Every plugin that routes on the path uses this one function:
 * the first of them (useExactRoutes) answers 404 to any path not spelled exactly as served, and the
 * ones after it then see the same path it checked.
 */
export function pathOf(url: string): string {
  const authority = url.indexOf('//');
  let start = authority === -1 ? 0 : authority + 2;
  while (start < url.length && url[start] !== '/' && url[start] !== '?' && url[start] !== '#') start += 1;
  let end = start;
  while (end < url.length && url[end] !== '?' && url[end] !== '#') end += 1;
  return end === start ? '/' : url.slice(start, end);
}
