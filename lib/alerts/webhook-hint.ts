/** Characters of a webhook URL's path and query shown after its origin: enough to tell two apart. */
const HINT_TAIL = 4;

/**
 * What admins see of an alert rule's webhook URL once it is stored: the origin, then the last
 * HINT_TAIL characters of the rest. Incoming-webhook URLs (Slack's among them) carry their
 * credential in the path, so the URL itself is stored encrypted and only a delivery decrypts it.
 */
export function webhookUrlHint(webhookUrl: string): string {
  const url = new URL(webhookUrl);
  const rest = `${url.pathname}${url.search}`;
  return rest.length <= HINT_TAIL ? `${url.origin}${rest}` : `${url.origin}/…${rest.slice(-HINT_TAIL)}`;
}
