/**
 * Which fields each state type accepts. A field outside its type's list is refused with
 * `Field '<name>' is not supported`, located at the state (measured on AWS for every
 * combination of `TimeoutSeconds`, `Retry` and `Catch` with the types that lack them:
 * floci-io/floci#2735).
 *
 * @internal
 * @module
 */

/** The eight state types. */
export const STATE_TYPES: readonly string[] = ['Pass', 'Task', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map'];

const COMMON = ['Type', 'Comment', 'QueryLanguage'];

/** The fields each state type accepts, in either query language. */
export const FIELDS: Readonly<Record<string, readonly string[]>> = {
  Pass: [...COMMON, 'Next', 'End', 'InputPath', 'OutputPath', 'Result', 'ResultPath', 'Parameters', 'Output', 'Assign'],
  Task: [
    ...COMMON,
    'Next',
    'End',
    'InputPath',
    'OutputPath',
    'Resource',
    'Parameters',
    'Arguments',
    'ResultSelector',
    'ResultPath',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
    'HeartbeatSecondsPath',
    'Retry',
    'Catch',
    'Credentials',
    'Output',
    'Assign',
  ],
  Choice: [...COMMON, 'InputPath', 'OutputPath', 'Choices', 'Default', 'Output', 'Assign'],
  Wait: [...COMMON, 'Next', 'End', 'InputPath', 'OutputPath', 'Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath', 'Output', 'Assign'],
  Succeed: [...COMMON, 'InputPath', 'OutputPath', 'Output'],
  Fail: [...COMMON, 'Error', 'Cause', 'ErrorPath', 'CausePath'],
  Parallel: [
    ...COMMON,
    'Next',
    'End',
    'InputPath',
    'OutputPath',
    'Branches',
    'Parameters',
    'Arguments',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
    'Output',
    'Assign',
  ],
  Map: [
    ...COMMON,
    'Next',
    'End',
    'InputPath',
    'OutputPath',
    'ItemProcessor',
    'Iterator',
    'ItemsPath',
    'Items',
    'ItemSelector',
    'Parameters',
    'ResultSelector',
    'ResultPath',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    'Retry',
    'Catch',
    'Output',
    'Assign',
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'Label',
  ],
};

/** True when a state of `type` accepts `name`; rules check a field only where it is accepted, so one mistake gives one diagnostic. */
export const supports = (type: string, name: string): boolean => FIELDS[type]?.includes(name) ?? false;
