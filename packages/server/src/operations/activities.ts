import { invalidOutput, invalidToken } from '@stepstream/domain';
import { parseJsonText } from '../json-limits.js';
import { listActivities as query } from '@stepstream/projections';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { between, decodeRequest, integer, maxBytes, maxLength, minLength, optional } from '../validation.js';
import { ownedBy, pageSize, type Deps } from './deps.js';
import { TagList, tagsOf } from './tags.js';
import { checkEncryption, EncryptionConfigurationCodec } from './encryption.js';

export const CreateActivityInput = t.intersection([
  t.type({ name: t.string }),
  t.partial({ tags: optional(TagList), encryptionConfiguration: optional(EncryptionConfigurationCodec) }),
]);

/** CreateActivity: idempotent by name; the same name answers the same ARN and creation date. */
export const createActivity =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(CreateActivityInput, body, { required: ['name'], rules: { name: [minLength(1), maxLength(80)] } });
    if (E.isLeft(decoded)) return decoded;
    const { name, tags } = decoded.right;
    const encryption = checkEncryption(decoded.right.encryptionConfiguration);
    if (E.isLeft(encryption)) return encryption;
    const encryptionConfiguration = encryption.right;
    const created = await engine.resources.createActivity(
      {
        ...(ctx.account !== undefined ? { account: ctx.account } : {}),
        name,
        ...(tags != null ? { tags: tagsOf(tags) } : {}),
        ...(encryptionConfiguration !== undefined ? { encryptionConfiguration: { ...encryptionConfiguration } } : {}),
      },
      { requestId: ctx.requestId },
    );
    return E.map((r: { activityArn: string; creationDate: number }) => ({ activityArn: r.activityArn, creationDate: epochSeconds(r.creationDate) }))(created);
  };

const ActivityArnInput = t.type({ activityArn: t.string });
const arnRules = { required: ['activityArn'], rules: { activityArn: [minLength(1), maxLength(256)] } } as const;

export const describeActivity =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(ActivityArnInput, body, arnRules);
    if (E.isLeft(decoded)) return decoded;
    const found = await engine.resources.loadActivity(decoded.right.activityArn);
    return E.map((a: { activityArn: string; name: string; creationDate: number; encryptionConfiguration?: Readonly<Record<string, unknown>> }) => ({
      activityArn: a.activityArn,
      name: a.name,
      creationDate: epochSeconds(a.creationDate),
      ...(a.encryptionConfiguration !== undefined ? { encryptionConfiguration: a.encryptionConfiguration } : {}),
    }))(found);
  };

/** DeleteActivity: 200 for a missing activity too, as AWS answers. */
export const deleteActivity =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(ActivityArnInput, body, arnRules);
    if (E.isLeft(decoded)) return decoded;
    return engine.resources.deleteActivity(decoded.right.activityArn, { requestId: ctx.requestId });
  };

export const ListActivitiesInput = t.partial({ maxResults: optional(integer), nextToken: optional(t.string) });

/** By name in code-point order; keyset pages with signed tokens. */
export const listActivities =
  ({ engine, tokens }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(ListActivitiesInput, body, { rules: { maxResults: [between(0, 1000)], nextToken: [minLength(1), maxLength(1024)] } });
    if (E.isLeft(decoded)) return decoded;
    const { maxResults, nextToken } = decoded.right;
    const after = nextToken != null ? tokens.read<{ name: string; arn: string }>('ListActivities', nextToken) : undefined;
    if (nextToken != null && !after) return E.left(invalidToken());
    const limit = pageSize(maxResults);
    const rows = await query(await engine.reads.readModel(), after, limit + 1, ownedBy(engine, ctx, 'activity'));
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return E.right({
      activities: page.map((r) => ({ activityArn: r.arn, name: r.name, creationDate: epochSeconds(r.creation_date) })),
      ...(rows.length > limit && last ? { nextToken: tokens.issue('ListActivities', { name: last.name, arn: last.arn }) } : {}),
    });
  };

export const GetActivityTaskInput = t.intersection([t.type({ activityArn: t.string }), t.partial({ workerName: optional(t.string) })]);

/**
 * GetActivityTask: a long poll (60 s on AWS) that answers the moment a task is scheduled, hands
 * each task to one worker, and answers `{}` when none came. A worker that disconnects stops
 * waiting and takes nothing.
 */
export const getActivityTask =
  ({ engine, taskTokens }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(GetActivityTaskInput, body, {
      required: ['activityArn'],
      rules: { activityArn: [minLength(1), maxLength(256)], workerName: [minLength(1), maxLength(80)] },
    });
    if (E.isLeft(decoded)) return decoded;
    const { activityArn, workerName } = decoded.right;
    const got = await engine.tasks.getActivityTask({ activityArn, ...(workerName != null ? { workerName } : {}) }, ctx.signal);
    if (E.isLeft(got)) return got;
    const task = got.right.task;
    return E.right(task ? { taskToken: taskTokens.issue({ executionArn: task.executionArn, taskId: task.taskId }), input: task.input } : {});
  };

const tokenRules = { taskToken: [minLength(1), maxLength(2048)] };

export const SendTaskSuccessInput = t.type({ taskToken: t.string, output: t.string });

export const sendTaskSuccess =
  ({ engine, taskTokens }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(SendTaskSuccessInput, body, {
      required: ['taskToken', 'output'],
      rules: { ...tokenRules, output: [maxBytes(262_144)] },
      sensitive: ['output'],
    });
    if (E.isLeft(decoded)) return decoded;
    const ref = taskTokens.read(decoded.right.taskToken);
    if (!ref) return E.left(invalidToken());
    const output = parseJsonText(decoded.right.output);
    if (E.isLeft(output)) return E.left(invalidOutput(output.left.message));
    return engine.tasks.completeTask(ref.executionArn, ref.taskId, { type: 'succeeded', output: decoded.right.output }, { requestId: ctx.requestId });
  };

export const SendTaskFailureInput = t.intersection([t.type({ taskToken: t.string }), t.partial({ error: optional(t.string), cause: optional(t.string) })]);

export const sendTaskFailure =
  ({ engine, taskTokens }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(SendTaskFailureInput, body, {
      required: ['taskToken'],
      rules: { ...tokenRules, error: [maxLength(256)], cause: [maxLength(32_768)] },
      sensitive: ['error', 'cause'],
    });
    if (E.isLeft(decoded)) return decoded;
    const ref = taskTokens.read(decoded.right.taskToken);
    if (!ref) return E.left(invalidToken());
    const { error, cause } = decoded.right;
    return engine.tasks.completeTask(
      ref.executionArn,
      ref.taskId,
      { type: 'failed', ...(error != null ? { error } : {}), ...(cause != null ? { cause } : {}) },
      { requestId: ctx.requestId },
    );
  };

export const SendTaskHeartbeatInput = t.type({ taskToken: t.string });

export const sendTaskHeartbeat =
  ({ engine, taskTokens }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(SendTaskHeartbeatInput, body, { required: ['taskToken'], rules: tokenRules });
    if (E.isLeft(decoded)) return decoded;
    const ref = taskTokens.read(decoded.right.taskToken);
    if (!ref) return E.left(invalidToken());
    return engine.tasks.heartbeatTask(ref.executionArn, ref.taskId);
  };

export const ListActivityTasksInput = t.type({ activityArn: t.string });

/**
 * `Stepstream.ListActivityTasks` `{ activityArn }`: the activity's tasks waiting for a worker
 * (`tasks`: execution, task id, input and task token each, oldest first) and how many workers poll
 * it now (`workers`), so a console or an operator can see a backlog and answer a task by hand. What
 * this server holds: with several nodes, each answers for its own. ActivityDoesNotExist for an
 * unknown activity.
 */
export const listActivityTasks =
  ({ engine, taskTokens }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(ListActivityTasksInput, body, {
      required: ['activityArn'],
      rules: { activityArn: [minLength(1), maxLength(256)] },
    });
    if (E.isLeft(decoded)) return decoded;
    const backlog = await engine.tasks.activityBacklog(decoded.right.activityArn);
    if (E.isLeft(backlog)) return backlog;
    return E.right({
      tasks: backlog.right.tasks.map((task) => ({
        executionArn: task.executionArn,
        taskId: task.taskId,
        input: task.input,
        taskToken: taskTokens.issue({ executionArn: task.executionArn, taskId: task.taskId }),
      })),
      workers: backlog.right.workers,
    });
  };
