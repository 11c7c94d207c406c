import { pendingTasks, type ExecutionState, type ParentTask, type TaskSignal } from '@stepstream/domain';

/** The `.sync` children a parent is waiting on (their ARNs, from the start calls' answers). */
export const syncChildren = (state: ExecutionState): string[] =>
  pendingTasks(state).flatMap((t) => {
    if (t.resourceType !== 'states' || (t.pattern !== 'sync' && t.pattern !== 'sync:2') || !t.submittedOutput) return [];
    const arn = (JSON.parse(t.submittedOutput) as { ExecutionArn?: unknown }).ExecutionArn;
    return typeof arn === 'string' ? [arn] : [];
  });

/**
 * What a `.sync` child that ended answers its parent's task: the child's DescribeExecution (Input
 * and Output as JSON texts, or as JSON with `.sync:2`) on success, or `States.TaskFailed` with it
 * as the cause. Undefined while the child runs, or when it has no parent.
 */
export const syncAnswer = (child: ExecutionState): { readonly parent: ParentTask; readonly signal: TaskSignal } | undefined => {
  const info = child.info;
  const parent = info?.parent;
  if (!info || !parent || child.status === 'RUNNING' || child.status === undefined) return undefined;
  const v2 = parent.pattern === 'sync:2';
  const json = (text: string | undefined) => (text === undefined ? undefined : v2 ? (JSON.parse(text) as unknown) : text);
  const describe = {
    ...(child.cause !== undefined ? { Cause: child.cause } : {}),
    ...(child.error !== undefined ? { Error: child.error } : {}),
    ExecutionArn: info.executionArn,
    Input: json(info.input),
    InputDetails: { Included: true },
    Name: info.name,
    ...(child.output !== undefined ? { Output: json(child.output), OutputDetails: { Included: true } } : {}),
    RedriveCount: 0,
    StartDate: info.startDate,
    StateMachineArn: info.stateMachineArn,
    Status: child.status,
    StopDate: child.stopDate,
  };
  const signal: TaskSignal =
    child.status === 'SUCCEEDED'
      ? { type: 'succeeded', output: JSON.stringify(describe) }
      : { type: 'failed', error: 'States.TaskFailed', cause: JSON.stringify(describe) };
  return { parent, signal };
};
