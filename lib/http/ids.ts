/** Whether a path segment is a UUID (ids Cairn makes with gen_random_uuid / uuid()): anything else is a 404 without a query. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
