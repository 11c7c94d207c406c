import type { AccessKey } from './sigv4.js';

/** The credentials file is not what it must be: the message says what to fix. */
export class CredentialsRefused extends Error {}

/**
 * The access keys a deployment accepts (`--credentials FILE`, docs/security.md): a JSON file
 *
 * ```json
 * { "keys": [ { "accessKeyId": "AKIA…", "secretAccessKey": "…", "account": "123456789012", "readOnly": false } ] }
 * ```
 *
 * `account` defaults to the deployment's; `readOnly` to false. Key ids are 16–128 characters of
 * letters and digits, as AWS's; a secret at least 16 characters; ids unique.
 *
 * @throws CredentialsRefused naming the entry and what is wrong with it
 */
export const parseCredentials = (text: string, deploymentAccount: string): ReadonlyMap<string, AccessKey> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CredentialsRefused(
      `the credentials file is not JSON (${(e as Error).message}): write {"keys": [{"accessKeyId", "secretAccessKey", "account"?, "readOnly"?}]}`,
    );
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0)
    throw new CredentialsRefused('the credentials file needs "keys": a non-empty list of {"accessKeyId", "secretAccessKey", "account"?, "readOnly"?}');
  const out = new Map<string, AccessKey>();
  keys.forEach((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const where = `keys[${i}]`;
    if (typeof e['accessKeyId'] !== 'string' || !/^[A-Za-z0-9]{16,128}$/.test(e['accessKeyId']))
      throw new CredentialsRefused(`${where}.accessKeyId must be 16 to 128 letters and digits, as AWS's access key ids are`);
    if (typeof e['secretAccessKey'] !== 'string' || e['secretAccessKey'].length < 16)
      throw new CredentialsRefused(`${where}.secretAccessKey must be a string of at least 16 characters`);
    const account = e['account'] ?? deploymentAccount;
    if (typeof account !== 'string' || !/^\d{12}$/.test(account)) throw new CredentialsRefused(`${where}.account must be 12 digits`);
    if (e['readOnly'] !== undefined && typeof e['readOnly'] !== 'boolean') throw new CredentialsRefused(`${where}.readOnly must be true or false`);
    if (out.has(e['accessKeyId'])) throw new CredentialsRefused(`${where}.accessKeyId ${e['accessKeyId']} is listed twice`);
    out.set(e['accessKeyId'], { accessKeyId: e['accessKeyId'], secretAccessKey: e['secretAccessKey'], account, readOnly: e['readOnly'] === true });
  });
  return out;
};
