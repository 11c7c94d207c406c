import * as E from 'fp-ts/lib/Either.js';
import {
  conflict,
  invalidEncryptionConfiguration,
  serviceQuotaExceeded,
  stateMachineAlreadyExists,
  stateMachineDoesNotExist,
  type ApiError,
} from './api-errors.js';

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
      return s;
  }
};

export const foldStateMachine = (events: readonly StateMachineEvent[]): StateMachineState => events.reduce(evolveStateMachine, {});

/** The encryption of a machine created without an encryptionConfiguration (AWS reports it). */
export const AWS_OWNED: EncryptionConfiguration = { type: 'AWS_OWNED_KEY' };

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export interface CreateStateMachineCommand {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly definition: string;
  readonly roleArn: string;
  readonly stateMachineType: StateMachineType;
  readonly loggingConfiguration: LoggingConfiguration;
  readonly tracingConfiguration: TracingConfiguration;
  readonly encryptionConfiguration?: EncryptionConfiguration;
  readonly tags?: readonly { readonly key: string; readonly value: string }[];
  readonly now: number;
}

/**
 * CreateStateMachine is idempotent when the definition (byte for byte), type, logging and
 * tracing all match the existing machine; role and tags are ignored (AWS API reference). Anything
 * else that reuses the name is StateMachineAlreadyExists.
 */
export const decideCreateStateMachine = (
  s: StateMachineState,
  c: CreateStateMachineCommand,
): E.Either<ApiError, { events: StateMachineEvent[]; creationDate: number }> => {
  if (s.current) {
    const same =
      s.current.definition === c.definition &&
      s.current.stateMachineType === c.stateMachineType &&
      sameJson(s.current.loggingConfiguration, c.loggingConfiguration) &&
      sameJson(s.current.tracingConfiguration, c.tracingConfiguration) &&
      sameJson(s.current.encryptionConfiguration ?? AWS_OWNED, c.encryptionConfiguration ?? AWS_OWNED);
    return same ? E.right({ events: [], creationDate: s.current.creationDate }) : E.left(stateMachineAlreadyExists(c.stateMachineArn));
  }
  const { now, ...data } = c;
  return E.right({ events: [{ type: 'StateMachineCreated', data: { ...data, creationDate: now } }], creationDate: now });
};

export interface UpdateStateMachineCommand {
  readonly stateMachineArn: string;
  readonly definition?: string;
  readonly roleArn?: string;
  readonly loggingConfiguration?: LoggingConfiguration;
  readonly tracingConfiguration?: TracingConfiguration;
  readonly encryptionConfiguration?: EncryptionConfiguration;
  readonly now: number;
  readonly newRevisionId: string;
}

/**
 * UpdateStateMachine returns a new revisionId only when something changed; identical parameters
 * return the current one (recorded on AWS).
 */
export const decideUpdateStateMachine = (
  s: StateMachineState,
  c: UpdateStateMachineCommand,
): E.Either<ApiError, { events: StateMachineEvent[]; updateDate: number; revisionId: string | undefined }> => {
  const cur = s.current;
  if (!cur) return E.left(stateMachineDoesNotExist(c.stateMachineArn));
  const changed =
    (c.definition !== undefined && c.definition !== cur.definition) ||
    (c.roleArn !== undefined && c.roleArn !== cur.roleArn) ||
    (c.loggingConfiguration !== undefined && !sameJson(c.loggingConfiguration, cur.loggingConfiguration)) ||
    (c.tracingConfiguration !== undefined && !sameJson(c.tracingConfiguration, cur.tracingConfiguration)) ||
    (c.encryptionConfiguration !== undefined && !sameJson(c.encryptionConfiguration, cur.encryptionConfiguration ?? AWS_OWNED));
  if (!changed) return E.right({ events: [], updateDate: cur.updateDate ?? cur.creationDate, revisionId: cur.revisionId });
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
  return E.right({ events: [{ type: 'StateMachineUpdated', data }], updateDate: c.now, revisionId: c.newRevisionId });
};

/**
 * Publishes the current revision as a version, or returns the version already published from it
 * (idempotent per revision, rec). `revisionId`, when given, must be the current one (`INITIAL`
 * before any update).
 */
export const decidePublishVersion = (
  s: StateMachineState,
  c: { readonly stateMachineArn: string; readonly revisionId?: string; readonly description?: string; readonly now: number },
): E.Either<ApiError, { events: StateMachineEvent[]; version: StateMachineVersion }> => {
  const cur = s.current;
  if (!cur) return E.left(stateMachineDoesNotExist(c.stateMachineArn));
  const revision = cur.revisionId ?? 'INITIAL';
  if (c.revisionId !== undefined && c.revisionId !== revision) {
    return E.left(conflict(`Failed to publish the State Machine version for revision ${c.revisionId}. The current State Machine revision is ${revision}.`));
  }
  const existing = Object.values(s.versions ?? {})
    .filter((v) => v.revisionId === revision)
    .sort((a, b) => b.version - a.version)[0];
  if (existing) return E.right({ events: [], version: existing });
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
  return E.right({ events: [{ type: 'StateMachineVersionPublished', data: version }], version });
};

/**
 * DeleteStateMachineVersion: refused while an alias routes to the version (ConflictException with
 * the aliases' names, recorded); deleting a version that does not exist succeeds (rec).
 */
export const decideDeleteVersion = (s: StateMachineState, versionArn: string, version: number, now: number): E.Either<ApiError, StateMachineEvent[]> => {
  const referencing = Object.values(s.aliases ?? {}).filter((a) => a.routingConfiguration.some((r) => r.stateMachineVersionArn === versionArn));
  if (referencing.length > 0)
    return E.left(
      conflict(
        `Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [${referencing.map((a) => a.name).join(', ')}]`,
      ),
    );
  return E.right(s.versions?.[version] ? [{ type: 'StateMachineVersionDeleted', data: { versionArn, version, deletionDate: now } }] : []);
};

/** Deleting a state machine that does not exist succeeds (recorded on AWS). */
export const decideDeleteStateMachine = (s: StateMachineState, arn: string, now: number): StateMachineEvent[] =>
  s.current ? [{ type: 'StateMachineDeleted', data: { stateMachineArn: arn, deletionDate: now } }] : [];

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
