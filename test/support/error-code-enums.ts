/**
 * The error codes a piece of an OpenAPI description names: the `enum` of
 * every property called one of `keys` (`code`, `error_code`), found at any
 * depth of its schemas.
 */
export function errorCodeEnums(node: unknown, keys: readonly string[]): string[] {
  if (Array.isArray(node)) return node.flatMap((item) => errorCodeEnums(item, keys));
  const isObject = typeof node === 'object' && node !== null;
  return !isObject
    ? []
    : Object.entries(node).flatMap(([key, value]) => {
        const codes = (value as { enum?: unknown[] } | null)?.enum;
        return keys.includes(key) && Array.isArray(codes) ? codes.map(String) : errorCodeEnums(value, keys);
      });
}
