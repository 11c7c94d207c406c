import type { Tag } from '@stepstream/domain';
import type { CallMetadata } from '../command.js';
import * as activities from './activities.js';
import type { ActivityDeps } from './activities.js';
import * as aliases from './aliases.js';
import * as stateMachines from './state-machines.js';
import type { CreateStateMachineInput, UpdateStateMachineInput } from './state-machines.js';
import * as tagging from './tags.js';
import * as versions from './versions.js';

/** One route of an alias: a version and its weight in percent. */
type Routing = readonly { stateMachineVersionArn: string; weight: number }[];

/**
 * The use cases of the engine's resources — state machines, their versions and aliases, tags,
 * activities — bound to what they need: the port the API server calls (`engine.resources`).
 * Each reads its stream (or the cached fold), decides in the domain and appends.
 */
export const resourcesApi = (deps: ActivityDeps) => ({
  /** CreateStateMachine: idempotent for the same configuration; `publish: true` publishes version 1. */
  createStateMachine: (input: CreateStateMachineInput, meta: CallMetadata = {}) => stateMachines.createStateMachine(deps, input, meta),
  /** The current state of a state machine, from its stream (authoritative, not the read model). */
  loadStateMachine: (arn: string) => stateMachines.loadStateMachine(deps, arn),
  updateStateMachine: (input: UpdateStateMachineInput, meta: CallMetadata = {}) => stateMachines.updateStateMachine(deps, input, meta),
  deleteStateMachine: (arn: string, meta: CallMetadata = {}) => stateMachines.deleteStateMachine(deps, arn, meta),

  publishVersion: (input: { stateMachineArn: string; revisionId?: string; description?: string }, meta: CallMetadata = {}) =>
    versions.publishVersion(deps, input, meta),
  /** A state machine's versions, newest first. */
  listVersions: (stateMachineArn: string) => versions.listVersions(deps, stateMachineArn),
  /** The version a version ARN names, or ResourceNotFound / InvalidArn. */
  loadVersion: (versionArn: string) => versions.loadVersion(deps, versionArn),
  deleteVersion: (versionArn: string, meta: CallMetadata = {}) => versions.deleteVersion(deps, versionArn, meta),

  createAlias: (input: { name: string; description?: string; routingConfiguration: Routing }, meta: CallMetadata = {}) =>
    aliases.createAlias(deps, input, meta),
  /** The alias an alias ARN names, or ResourceNotFound. */
  loadAlias: (aliasArn: string) => aliases.loadAlias(deps, aliasArn),
  updateAlias: (input: { stateMachineAliasArn: string; description?: string; routingConfiguration?: Routing }, meta: CallMetadata = {}) =>
    aliases.updateAlias(deps, input, meta),
  /** Deleting a missing alias answers 200 (recorded on AWS). */
  deleteAlias: (aliasArn: string, meta: CallMetadata = {}) => aliases.deleteAlias(deps, aliasArn, meta),
  listAliases: (stateMachineArn: string) => aliases.listAliases(deps, stateMachineArn),

  tagResource: (arn: string, tags: readonly Tag[], meta: CallMetadata = {}) => tagging.tagResource(deps, arn, tags, meta),
  untagResource: (arn: string, tagKeys: readonly string[], meta: CallMetadata = {}) => tagging.untagResource(deps, arn, tagKeys, meta),
  listTags: (arn: string) => tagging.listTags(deps, arn),

  createActivity: (
    input: { name: string; tags?: readonly { key: string; value: string }[]; encryptionConfiguration?: Record<string, unknown> },
    meta: CallMetadata = {},
  ) => activities.createActivity(deps, input, meta),
  deleteActivity: (arn: string, meta: CallMetadata = {}) => activities.deleteActivity(deps, arn, meta),
  /** The activity as its stream has it (authoritative), or ActivityDoesNotExist. */
  loadActivity: (arn: string) => activities.loadActivity(deps, arn),
});

/** The resources port (see {@link resourcesApi}). */
export type ResourcesApi = ReturnType<typeof resourcesApi>;
