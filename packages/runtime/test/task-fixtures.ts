import type { LambdaFunctions } from '../src/index.js';

// Lambda functions and a Task for the analytics, metrics and traces tests: failures and retries
// the histories then show.

/**
 * Lambda functions: `flaky` fails (`Flaky`) on its first two calls for an input, `item` fails
 * (`BadItem`) for an input holding "bad", any other answers `{n}` (its call count for that input).
 */
export const flakyFunctions = (): LambdaFunctions => {
  const calls = new Map<string, number>();
  return {
    invoke: async ({ name, body }) => {
      const n = (calls.get(name + body) ?? 0) + 1;
      calls.set(name + body, n);
      const fail = (errorType: string) => ({ kind: 'error' as const, errorType, body: JSON.stringify({ errorType, errorMessage: `${name} failed` }) });
      if (name === 'flaky' && n <= 2) return fail('Flaky');
      if (name === 'item' && body.includes('bad')) return fail('BadItem');
      return { kind: 'ok' as const, payload: { n }, body: JSON.stringify({ n }), executedVersion: '$LATEST' };
    },
  };
};

/** A `lambda:invoke` Task of function `fn` with the state's input as its payload and no result kept; `extra` adds or overrides fields. */
export const lambdaTask = (fn: string, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: fn, 'Payload.$': '$' },
  ResultPath: null,
  ...extra,
});
