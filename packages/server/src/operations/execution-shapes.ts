import type { ExecutionRow } from '@stepstream/projections';
import { epochSeconds } from '../protocol.js';

/** AWS's redrive status: SUCCEEDED and RUNNING executions cannot be redriven. */
const redrive = (status: string) =>
  status === 'SUCCEEDED' || status === 'RUNNING'
    ? { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: `Execution is ${status} and cannot be redriven` }
    : { redriveStatus: 'REDRIVABLE' };

/**
 * DescribeExecution's answer. Presence rules recorded on AWS: RUNNING has no stopDate and no
 * output; SUCCEEDED has output; FAILED and ABORTED have error/cause only when they exist;
 * TIMED_OUT has neither; `redriveCount` is always there.
 */
export const describeExecutionShape = (row: ExecutionRow, includeData: boolean) => ({
  executionArn: row.arn,
  stateMachineArn: row.state_machine_arn,
  name: row.name,
  status: row.status,
  startDate: epochSeconds(row.start_date),
  ...(row.stop_date !== null ? { stopDate: epochSeconds(row.stop_date) } : {}),
  ...(includeData ? { input: row.input } : {}),
  inputDetails: { included: includeData },
  ...(row.status === 'SUCCEEDED' && row.output !== null ? { ...(includeData ? { output: row.output } : {}), outputDetails: { included: includeData } } : {}),
  ...(row.status !== 'TIMED_OUT' && row.error !== null ? { error: row.error } : {}),
  ...(row.status !== 'TIMED_OUT' && row.cause !== null ? { cause: row.cause } : {}),
  ...(row.trace_header !== null ? { traceHeader: row.trace_header } : {}),
  ...(row.state_machine_version_arn !== null && row.state_machine_version_arn !== undefined ? { stateMachineVersionArn: row.state_machine_version_arn } : {}),
  ...(row.state_machine_alias_arn !== null && row.state_machine_alias_arn !== undefined ? { stateMachineAliasArn: row.state_machine_alias_arn } : {}),
  redriveCount: row.redrive_count ?? 0,
  ...(row.redrive_date !== null && row.redrive_date !== undefined ? { redriveDate: epochSeconds(row.redrive_date) } : {}),
  ...redrive(row.status),
});
