import { randomBytes } from 'node:crypto';
import type { EventStore } from '@stepstream/eventstore';
import { TaskTokens } from './task-tokens.js';

const SECRET_STREAM = 'deployment-secrets';

/** The deployment's signing secret, and the task tokens signed with it (page tokens use it too). */
export interface Deployment {
  readonly secret: Buffer;
  readonly taskTokens: TaskTokens;
}

/**
 * The deployment's signing secret for task and page tokens: `STEPSTREAM_TOKEN_SECRET`, or one
 * generated on first start and kept in the event store, so every node and every restart shares it.
 */
const deploymentSecret = async (store: EventStore, fromEnv: string | undefined): Promise<Buffer> => {
  if (fromEnv) return Buffer.from(fromEnv, 'utf8');
  const [existing] = await store.readStream(SECRET_STREAM, { maxCount: 1 });
  if (existing) return Buffer.from((existing.data as { secret: string }).secret, 'base64');
  try {
    const secret = randomBytes(32);
    await store.appendToStream(SECRET_STREAM, [{ type: 'PageTokenSecretCreated', data: { secret: secret.toString('base64') } }], {
      expectedRevision: 'no_stream',
    });
    return secret;
  } catch {
    const [raced] = await store.readStream(SECRET_STREAM, { maxCount: 1 });
    return Buffer.from((raced!.data as { secret: string }).secret, 'base64');
  }
};

/** The deployment of `store`: its secret (given, from the environment, or kept in the store) and task tokens. */
export const loadDeployment = async (store: EventStore, given: Buffer | undefined): Promise<Deployment> => {
  const secret = given ?? (await deploymentSecret(store, process.env['STEPSTREAM_TOKEN_SECRET']));
  return { secret, taskTokens: new TaskTokens(secret) };
};
