import type { ServeConfig } from './config.js';

/** The commands that talk to a running server (inspect, fork, diff) find it at --host/--port. */
export const endpointOf = (config: Pick<ServeConfig, 'host' | 'port'>): string =>
  `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${String(config.port)}`;

/** The server answered an error (its AWS `__type` and message), or no server answered (`Unreachable`). */
export class CallFailed extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One operation of the server at `endpoint` (`target`: `Stepstream.InspectExecution`,
 * `AWSStepFunctions.GetExecutionHistory`…): its answer, parsed.
 *
 * @throws CallFailed with the server's error, or `Unreachable`.
 */
export const callServer = async (endpoint: string, target: string, body: Record<string, unknown>): Promise<unknown> => {
  let res: Response;
  try {
    res = await fetch(new URL('/', endpoint), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': target },
      body: JSON.stringify(body),
    });
  } catch (e) {
    const cause = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message;
    throw new CallFailed(
      'Unreachable',
      `no Stepstream server answered at ${endpoint} (${cause}): start one with 'stepstream serve', or give --host and --port`,
    );
  }
  const text = await res.text();
  let answer: { __type?: unknown; message?: unknown } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    throw new CallFailed(`HTTP ${res.status}`, `${endpoint} answered ${res.status}: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    throw new CallFailed(
      typeof answer.__type === 'string' ? answer.__type.replace(/^.*#/, '') : `HTTP ${res.status}`,
      typeof answer.message === 'string' ? answer.message : `${endpoint} answered ${res.status}`,
    );
  }
  return answer;
};
