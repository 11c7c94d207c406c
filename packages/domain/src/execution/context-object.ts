import type { ExecutionInfo } from './model.js';

/** ISO-8601 with exactly three fraction digits and `Z`, as AWS writes `$$.Execution.StartTime`. */
export const isoMillis = (epochMs: number): string => new Date(epochMs).toISOString();

/**
 * The context object (`$$`) of a state, as AWS records it for a Pass state:
 * `{Execution:{Id,Input,StartTime,Name,RoleArn,RedriveCount}, StateMachine:{Id,Name},
 * State:{Name,EnteredTime}}`. Task states add `State.RetryCount` (issue 4).
 */
export const contextObject = (info: ExecutionInfo, parsedInput: unknown, stateName: string, enteredAt: number) => ({
  Execution: {
    Id: info.executionArn,
    Input: parsedInput,
    StartTime: isoMillis(info.startDate),
    Name: info.name,
    RoleArn: info.roleArn,
    RedriveCount: info.redriveCount ?? 0,
    ...(info.redriveDate !== undefined ? { RedriveTime: isoMillis(info.redriveDate) } : {}),
  },
  StateMachine: { Id: info.stateMachineArn, Name: info.stateMachineName },
  State: { Name: stateName, EnteredTime: isoMillis(enteredAt) },
});
