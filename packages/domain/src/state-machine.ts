import * as E from 'fp-ts/lib/Either.js';
import {
  conflict,
  invalidEncryptionConfiguration,
  invalidName,
  serviceQuotaExceeded,
  stateMachineAlreadyExists,
  stateMachineDoesNotExist,
  type ApiError,
} from './api-errors.js';
import { isArnProblem, parseArn } from './arn.js';
import { assertNever } from './assert-never.js';
import { stableJson } from './execution/stable-json.js';
import type { Decider } from './decider.js';
import { isValidName } from './names.js';
import { tagsProblem, tooManyTagsOnCreate, type Tag } from './tag-rules.js';

export type StateMachineType = 'STANDARD' | 'EXPRESS';

export interface LoggingConfiguration {
  readonly level?: 'ALL' | 'ERROR' | 'FATAL' | 'OFF';
  readonly includeExecutionData?: boolean;
  readonly destinations?: readonly { readonly cloudWatchLogsLogGroup?: { readonly logGroupArn?: string } }[];
}
export interface TracingConfiguration {
  readonly enabled?: boolean;
}
/** Stored and reported as given; Stepstream keeps its data in its own store and calls no KMS. */
export interface EncryptionConfiguration {
  readonly type: 'AWS_OWNED_KEY' | 'CUSTOMER_MANAGED_KMS_KEY';
  readonly kmsKeyId?: string;
  readonly kmsDataKeyReusePeriodSeconds?: number;
}

/** The resource events of a `stateMachine-…` stream. */
export interface StateMachineCreated {
  readonly type: 'StateMachineCreated';
  readonly data: {
    readonly stateMachineArn: string;
    readonly name: string;
    readonly definition: string;
    readonly roleArn: string;
    readonly stateMachineType: StateMachineType;
    readonly creationDate: number;
    readonly loggingConfiguration: LoggingConfiguration;
    readonly tracingConfiguration: TracingConfiguration;
    readonly encryptionConfiguration?: EncryptionConfiguration;
    readonly tags?: readonly { readonly key: string; readonly value: string }[];
  };
}
export interface StateMachineUpdated {
  readonly type: 'StateMachineUpdated';
  readonly data: {
    readonly stateMachineArn: string;
    readonly updateDate: number;
    readonly revisionId: string;
    readonly definition?: string;
    readonly roleArn?: string;
    readonly loggingConfiguration?: LoggingConfiguration;
    readonly tracingConfiguration?: TracingConfiguration;
    readonly encryptionConfiguration?: EncryptionConfiguration;
  };
}
export interface StateMachineDeleted {
  readonly type: 'StateMachineDeleted';
  readonly data: { readonly stateMachineArn: string; readonly deletionDate: number };
}
/** A published version: an immutable copy of the machine at one revision. */
export interface StateMachineVersion {
  readonly stateMachineArn: string;
  readonly versionArn: string;
  readonly version: number;
  /** The revision it was published from (`INITIAL` before the first update). */
  readonly revisionId: string;
  readonly description?: string;
  readonly creationDate: number;
  readonly definition: string;
  readonly roleArn: string;
  readonly stateMachineType: StateMachineType;
  readonly loggingConfiguration: LoggingConfiguration;
  readonly tracingConfiguration: TracingConfiguration;
  readonly encryptionConfiguration?: EncryptionConfiguration;
}
export interface StateMachineVersionPublished {
  readonly type: 'StateMachineVersionPublished';
  readonly data: StateMachineVersion;
}
export interface StateMachineVersionDeleted {
  readonly type: 'StateMachineVersionDeleted';
  readonly data: { readonly versionArn: string; readonly version: number; readonly deletionDate: number };
}
/** An alias: a name that routes executions to one or two versions by weight. */
export interface StateMachineAlias {
  readonly aliasArn: string;
  readonly name: string;
  readonly description?: string;
  readonly routingConfiguration: readonly { readonly stateMachineVersionArn: string; readonly weight: number }[];
  readonly creationDate: number;
  readonly updateDate?: number;
}
export interface StateMachineAliasCreated {
  readonly type: 'StateMachineAliasCreated';
  readonly data: StateMachineAlias;
}
export interface StateMachineAliasUpdated {
  readonly type: 'StateMachineAliasUpdated';
  /** Only what the update set: a missing description or routing is left as it was. */
  readonly data: Pick<StateMachineAlias, 'aliasArn' | 'description'> & {
    readonly routingConfiguration?: StateMachineAlias['routingConfiguration'];
    readonly updateDate: number;
  };
}
export interface StateMachineAliasDeleted {
  readonly type: 'StateMachineAliasDeleted';
  readonly data: { readonly aliasArn: string; readonly name: string; readonly deletionDate: number };
}
export type StateMachineEvent =
  | StateMachineCreated
  | StateMachineUpdated
  | StateMachineDeleted
  | StateMachineVersionPublished
  | StateMachineVersionDeleted
  | StateMachineAliasCreated
  | StateMachineAliasUpdated
  | StateMachineAliasDeleted;

export interface StateMachineState {
  /** Undefined before creation and after deletion. */
  readonly current?: StateMachineCreated['data'] & { readonly revisionId?: string; readonly updateDate?: number };
  /** Published versions still there, by number. */
  readonly versions?: Readonly<Record<number, StateMachineVersion>>;
  /** The highest version number ever published (numbers are never reused). */
  readonly lastVersion?: number;
  /** Aliases, by name. */
  readonly aliases?: Readonly<Record<string, StateMachineAlias>>;
}

/** AWS: at most 1,000 versions per state machine. */
export const MAX_VERSIONS = 1000;

/**
 * Moves a state machine's state by one event of its stream. Exhaustive: a new event type does not
 * compile until it is handled here. Events of other aggregates sharing the stream (tags) never
 * reach it: `decodeStateMachineEvents` keeps only the types of {@link StateMachineEvent}.
 */
export const evolveStateMachine = (s: StateMachineState, e: StateMachineEvent): StateMachineState => {
  switch (e.type) {
    case 'StateMachineCreated':
      return { current: { ...e.data } };
    case 'StateMachineUpdated': {
      if (!s.current) return s;
      const { stateMachineArn: _, ...changes } = e.data;
      return { ...s, current: { ...s.current, ...changes } };
    }
    case 'StateMachineVersionPublished':
      return { ...s, versions: { ...(s.versions ?? {}), [e.data.version]: e.data }, lastVersion: e.data.version };
    case 'StateMachineAliasCreated':
      return { ...s, aliases: { ...(s.aliases ?? {}), [e.data.name]: e.data } };
    case 'StateMachineAliasUpdated': {
      const name = e.data.aliasArn.split(':').at(-1)!;
      const cur = s.aliases?.[name];
      if (!cur) return s;
      return { ...s, aliases: { ...(s.aliases ?? {}), [name]: { ...cur, ...e.data } } };
    }
    case 'StateMachineAliasDeleted': {
      const { [e.data.name]: _, ...rest } = s.aliases ?? {};
      return { ...s, aliases: rest };
    }
    case 'StateMachineVersionDeleted': {
      const { [e.data.version]: _, ...rest } = s.versions ?? {};
      return { ...s, versions: rest };
    }
    case 'StateMachineDeleted':
      return {};
    default:
      return assertNever(e);
  }
};

/** The state a state machine's events fold to, from before its creation. */
export const foldStateMachine = (events: readonly StateMachineEvent[]): StateMachineState => events.reduce(evolveStateMachine, {});

/** The encryption of a machine created without an encryptionConfiguration (AWS reports it). */
export const AWS_OWNED: EncryptionConfiguration = { type: 'AWS_OWNED_KEY' };

/** The same JSON value, whatever the order of object members (a configuration read back from the store has its keys sorted). */
const sameJson = (a: unknown, b: unknown) => stableJson(a ?? null) === stableJson(b ?? null);

/** The version number a version ARN (`…:stateMachine:NAME:N`) names, or undefined when it is not one. */
export const versionNumberOf = (arn: string): number | undefined => {
  const parsed = parseArn(arn, ['stateMachine']);
  if (isArnProblem(parsed)) return undefined;
  const [name, number] = parsed.parts;
  if (parsed.parts.length !== 2 || !name || !/^[1-9]\d*$/.test(number ?? '')) return undefined;
  return Number(number);
};

/** What publishing with a create or an update asks for (CreateStateMachine's and UpdateStateMachine's `publish`). */
interface PublishWith {
  /** Publish the machine's revision after the command as a version, in the same decision. */
  readonly publish?: boolean;
  readonly versionDescription?: string;
}

/** CreateStateMachine on the stream of the machine's name; `now` is the time the command was received. */
export interface CreateStateMachineCommand extends PublishWith {
  readonly type: 'CreateStateMachine';
  readonly stateMachineArn: string;
  readonly name: string;
  readonly definition: string;
  readonly roleArn: string;
  readonly stateMachineType: StateMachineType;
  readonly loggingConfiguration: LoggingConfiguration;
  readonly tracingConfiguration: TracingConfiguration;
  readonly encryptionConfiguration?: EncryptionConfiguration;
  readonly tags?: readonly Tag[];
  readonly now: number;
}

/** UpdateStateMachine: the fields given replace the current ones; `newRevisionId` is used only if something changes. */
export interface UpdateStateMachineCommand extends PublishWith {
  readonly type: 'UpdateStateMachine';
  readonly stateMachineArn: string;
  readonly definition?: string;
  readonly roleArn?: string;
  readonly loggingConfiguration?: LoggingConfiguration;
  readonly tracingConfiguration?: TracingConfiguration;
  readonly encryptionConfiguration?: EncryptionConfiguration;
  readonly now: number;
  readonly newRevisionId: string;
}

/** PublishStateMachineVersion; `revisionId`, when given, must be the current revision. */
export interface PublishStateMachineVersionCommand {
  readonly type: 'PublishStateMachineVersion';
  readonly stateMachineArn: string;
  readonly revisionId?: string;
  readonly description?: string;
  readonly now: number;
}

/** DeleteStateMachineVersion, on the stream of the machine the version belongs to. */
export interface DeleteStateMachineVersionCommand {
  readonly type: 'DeleteStateMachineVersion';
  readonly stateMachineVersionArn: string;
  readonly now: number;
}

/** DeleteStateMachine. */
export interface DeleteStateMachineCommand {
  readonly type: 'DeleteStateMachine';
  readonly stateMachineArn: string;
  readonly now: number;
}

/** The commands of a state machine's stream (its aliases' are {@link AliasCommand}s, decided by `aliasDecider`). */
export type StateMachineCommand =
  CreateStateMachineCommand | UpdateStateMachineCommand | PublishStateMachineVersionCommand | DeleteStateMachineVersionCommand | DeleteStateMachineCommand;

type Decided = E.Either<ApiError, StateMachineEvent[]>;

/**
 * Adds the publishing of the revision the events leave, when the command asks for it: the
 * events of the command, then those of a PublishStateMachineVersion without a revision check.
 */
const thenPublish = (s: StateMachineState, c: PublishWith & { readonly stateMachineArn: string; readonly now: number }, decided: Decided): Decided => {
  if (E.isLeft(decided) || c.publish !== true) return decided;
  const published = decidePublish(decided.right.reduce(evolveStateMachine, s), {
    type: 'PublishStateMachineVersion',
    stateMachineArn: c.stateMachineArn,
    ...(c.versionDescription !== undefined ? { description: c.versionDescription } : {}),
    now: c.now,
  });
  return E.isLeft(published) ? published : E.right([...decided.right, ...published.right]);
};

/**
 * CreateStateMachine: the tags (ValidationException, TooManyTags) and the name (InvalidName)
 * first, as the runtime checks them before reading. Then it is idempotent when the definition
 * (byte for byte), type, logging, tracing and encryption all match the existing machine; role and
 * tags are ignored (AWS API reference). Anything else that reuses the name is
 * StateMachineAlreadyExists.
 */
const decideCreate = (s: StateMachineState, c: CreateStateMachineCommand): Decided => {
  const tagged = tagsProblem(c.tags ?? []) ?? tooManyTagsOnCreate(c.stateMachineArn, c.tags ?? []);
  if (tagged) return E.left(tagged);
  if (!isValidName(c.name)) return E.left(invalidName(c.name));
  if (s.current) {
    const same =
      s.current.definition === c.definition &&
      s.current.stateMachineType === c.stateMachineType &&
      sameJson(s.current.loggingConfiguration, c.loggingConfiguration) &&
      sameJson(s.current.tracingConfiguration, c.tracingConfiguration) &&
      sameJson(s.current.encryptionConfiguration ?? AWS_OWNED, c.encryptionConfiguration ?? AWS_OWNED);
    return same ? E.right([]) : E.left(stateMachineAlreadyExists(c.stateMachineArn));
  }
  const data: StateMachineCreated['data'] = {
    stateMachineArn: c.stateMachineArn,
    name: c.name,
    definition: c.definition,
    roleArn: c.roleArn,
    stateMachineType: c.stateMachineType,
    creationDate: c.now,
    loggingConfiguration: c.loggingConfiguration,
    tracingConfiguration: c.tracingConfiguration,
    ...(c.encryptionConfiguration !== undefined ? { encryptionConfiguration: c.encryptionConfiguration } : {}),
    ...(c.tags !== undefined ? { tags: c.tags } : {}),
  };
  return E.right([{ type: 'StateMachineCreated', data }]);
};

/**
 * UpdateStateMachine writes a new revision only when something changed; identical parameters
 * write nothing and the current revision stands (recorded on AWS).
 */
const decideUpdate = (s: StateMachineState, c: UpdateStateMachineCommand): Decided => {
  const cur = s.current;
  if (!cur) return E.left(stateMachineDoesNotExist(c.stateMachineArn));
  const changed =
    (c.definition !== undefined && c.definition !== cur.definition) ||
    (c.roleArn !== undefined && c.roleArn !== cur.roleArn) ||
    (c.loggingConfiguration !== undefined && !sameJson(c.loggingConfiguration, cur.loggingConfiguration)) ||
    (c.tracingConfiguration !== undefined && !sameJson(c.tracingConfiguration, cur.tracingConfiguration)) ||
    (c.encryptionConfiguration !== undefined && !sameJson(c.encryptionConfiguration, cur.encryptionConfiguration ?? AWS_OWNED));
  if (!changed) return E.right([]);
  const data: StateMachineUpdated['data'] = {
    stateMachineArn: c.stateMachineArn,
    updateDate: c.now,
    revisionId: c.newRevisionId,
    ...(c.definition !== undefined ? { definition: c.definition } : {}),
    ...(c.roleArn !== undefined ? { roleArn: c.roleArn } : {}),
    ...(c.loggingConfiguration !== undefined ? { loggingConfiguration: c.loggingConfiguration } : {}),
    ...(c.tracingConfiguration !== undefined ? { tracingConfiguration: c.tracingConfiguration } : {}),
    ...(c.encryptionConfiguration !== undefined ? { encryptionConfiguration: c.encryptionConfiguration } : {}),
  };
  return E.right([{ type: 'StateMachineUpdated', data }]);
};

/** The revision a machine is at: its last update's, or `INITIAL` before any update. */
const revisionOf = (current: NonNullable<StateMachineState['current']>) => current.revisionId ?? 'INITIAL';

/**
 * The version published from the machine's current revision, if there is one (the newest, should
 * a revision have several). What a publish answers, whether it wrote the version or found it.
 */
export const currentRevisionVersion = (s: StateMachineState): StateMachineVersion | undefined => {
  if (!s.current) return undefined;
  const revision = revisionOf(s.current);
  return Object.values(s.versions ?? {})
    .filter((v) => v.revisionId === revision)
    .sort((a, b) => b.version - a.version)[0];
};

/**
 * Publishes the current revision as a version, or writes nothing when a version of it exists
 * (idempotent per revision, rec). `revisionId`, when given, must be the current one (`INITIAL`
 * before any update); at most {@link MAX_VERSIONS} versions.
 */
const decidePublish = (s: StateMachineState, c: PublishStateMachineVersionCommand): Decided => {
  const cur = s.current;
  if (!cur) return E.left(stateMachineDoesNotExist(c.stateMachineArn));
  const revision = revisionOf(cur);
  if (c.revisionId !== undefined && c.revisionId !== revision) {
    return E.left(conflict(`Failed to publish the State Machine version for revision ${c.revisionId}. The current State Machine revision is ${revision}.`));
  }
  if (currentRevisionVersion(s)) return E.right([]);
  if (Object.keys(s.versions ?? {}).length >= MAX_VERSIONS)
    return E.left(serviceQuotaExceeded(`The maximum number of versions (${MAX_VERSIONS}) for ${c.stateMachineArn} has been reached.`));
  const number = (s.lastVersion ?? 0) + 1;
  const version: StateMachineVersion = {
    stateMachineArn: c.stateMachineArn,
    versionArn: `${c.stateMachineArn}:${number}`,
    version: number,
    revisionId: revision,
    ...(c.description !== undefined ? { description: c.description } : {}),
    creationDate: c.now,
    definition: cur.definition,
    roleArn: cur.roleArn,
    stateMachineType: cur.stateMachineType,
    loggingConfiguration: cur.loggingConfiguration,
    tracingConfiguration: cur.tracingConfiguration,
    ...(cur.encryptionConfiguration !== undefined ? { encryptionConfiguration: cur.encryptionConfiguration } : {}),
  };
  return E.right([{ type: 'StateMachineVersionPublished', data: version }]);
};

/**
 * DeleteStateMachineVersion: refused while an alias routes to the version (ConflictException with
 * the aliases' names, recorded); deleting a version that does not exist succeeds (rec).
 */
const decideDeleteVersion = (s: StateMachineState, c: DeleteStateMachineVersionCommand): Decided => {
  const versionArn = c.stateMachineVersionArn;
  const referencing = Object.values(s.aliases ?? {}).filter((a) => a.routingConfiguration.some((r) => r.stateMachineVersionArn === versionArn));
  if (referencing.length > 0)
    return E.left(
      conflict(
        `Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [${referencing.map((a) => a.name).join(', ')}]`,
      ),
    );
  const version = versionNumberOf(versionArn);
  return E.right(
    version !== undefined && s.versions?.[version] ? [{ type: 'StateMachineVersionDeleted', data: { versionArn, version, deletionDate: c.now } }] : [],
  );
};

/** Deleting a state machine that does not exist succeeds and writes nothing (recorded on AWS). */
const decideDelete = (s: StateMachineState, c: DeleteStateMachineCommand): Decided =>
  E.right(s.current ? [{ type: 'StateMachineDeleted', data: { stateMachineArn: c.stateMachineArn, deletionDate: c.now } }] : []);

/**
 * Decides a state machine command on the state of its stream. A create or update with
 * `publish: true` also publishes, in the same decision, the revision it leaves (version 1 of a
 * new machine; the existing version of an unchanged revision).
 *
 * @example
 * decideStateMachine({}, { type: 'CreateStateMachine', stateMachineArn: sm, name: 'sm', definition, roleArn, stateMachineType: 'STANDARD', loggingConfiguration: {}, tracingConfiguration: {}, publish: true, now })
 * // right([{ type: 'StateMachineCreated', data: { stateMachineArn: sm, …, creationDate: now } },
 * //        { type: 'StateMachineVersionPublished', data: { versionArn: `${sm}:1`, version: 1, revisionId: 'INITIAL', … } }])
 */
export const decideStateMachine = (s: StateMachineState, c: StateMachineCommand): Decided => {
  switch (c.type) {
    case 'CreateStateMachine':
      return thenPublish(s, c, decideCreate(s, c));
    case 'UpdateStateMachine':
      return thenPublish(s, c, decideUpdate(s, c));
    case 'PublishStateMachineVersion':
      return decidePublish(s, c);
    case 'DeleteStateMachineVersion':
      return decideDeleteVersion(s, c);
    case 'DeleteStateMachine':
      return decideDelete(s, c);
    default:
      return assertNever(c);
  }
};

/** A state machine (its definition, revisions and versions) as a decider over its `stateMachine-…` stream. */
export const stateMachineDecider: Decider<StateMachineState, StateMachineCommand, StateMachineEvent, ApiError> = {
  initialState: () => ({}),
  evolve: evolveStateMachine,
  decide: decideStateMachine,
};

/**
 * What CreateStateMachine answers, read from the state after its events: the creation date (the
 * existing machine's when the create was idempotent) and, with `publish`, the version of the
 * current revision.
 */
export const createStateMachineAnswer = (
  after: StateMachineState,
  c: Pick<CreateStateMachineCommand, 'stateMachineArn' | 'publish'>,
): { stateMachineArn: string; creationDate: number; stateMachineVersionArn?: string } => {
  const current = existing(after, c.stateMachineArn);
  return { stateMachineArn: c.stateMachineArn, creationDate: current.creationDate, ...publishedWith(after, c) };
};

/**
 * What UpdateStateMachine answers, read from the state after its events: the date and revision
 * of the last change (none before the first update: the creation date and no revision) and, with
 * `publish`, the version of the current revision.
 */
export const updateStateMachineAnswer = (
  after: StateMachineState,
  c: Pick<UpdateStateMachineCommand, 'stateMachineArn' | 'publish'>,
): { updateDate: number; revisionId: string | undefined; stateMachineVersionArn?: string } => {
  const current = existing(after, c.stateMachineArn);
  return { updateDate: current.updateDate ?? current.creationDate, revisionId: current.revisionId, ...publishedWith(after, c) };
};

/** What PublishStateMachineVersion answers, read from the state after its events: the version of the current revision. */
export const publishVersionAnswer = (after: StateMachineState, c: Pick<PublishStateMachineVersionCommand, 'stateMachineArn'>) => {
  const version = publishedVersion(after, c.stateMachineArn);
  return { stateMachineVersionArn: version.versionArn, creationDate: version.creationDate };
};

// An accepted create, update or publish leaves a machine and a version of its revision; their
// absence is a broken invariant (a defect), not a refusal.
const existing = (after: StateMachineState, stateMachineArn: string) => {
  if (!after.current) throw new Error(`No state machine ${stateMachineArn} after an accepted command`);
  return after.current;
};
const publishedVersion = (after: StateMachineState, stateMachineArn: string) => {
  const version = currentRevisionVersion(after);
  if (!version) throw new Error(`No version of the current revision of ${stateMachineArn} after an accepted publish`);
  return version;
};
const publishedWith = (after: StateMachineState, c: { readonly stateMachineArn: string; readonly publish?: boolean }) =>
  c.publish === true ? { stateMachineVersionArn: publishedVersion(after, c.stateMachineArn).versionArn } : {};

/**
 * Why an encryptionConfiguration (of a state machine or an activity) is refused, if it is.
 * The API reference's conditions: a customer managed key needs `kmsKeyId`, and
 * `kmsDataKeyReusePeriodSeconds` lies in 60–900 ("Received when encryptionConfiguration is
 * specified but … type is set to CUSTOMER_MANAGED_KMS_KEY, but kmsKeyId is null, or
 * kmsDataKeyReusePeriodSeconds is not between 60 and 900"). The key itself is not looked up:
 * Stepstream has no KMS, and keeps what it stores in its own store.
 */
export const encryptionProblem = (c: EncryptionConfiguration): ApiError | undefined => {
  if (c.type === 'CUSTOMER_MANAGED_KMS_KEY' && (c.kmsKeyId === undefined || c.kmsKeyId === '')) {
    return invalidEncryptionConfiguration('kmsKeyId is required when the encryption type is CUSTOMER_MANAGED_KMS_KEY.');
  }
  const period = c.kmsDataKeyReusePeriodSeconds;
  if (period !== undefined && (!Number.isInteger(period) || period < 60 || period > 900)) {
    return invalidEncryptionConfiguration(`kmsDataKeyReusePeriodSeconds must be between 60 and 900 seconds, but was ${period}.`);
  }
  return undefined;
};
