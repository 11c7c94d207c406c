import { invalidArnDetail, stateMachineDoesNotExist, type ApiError, type StateMachineType } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import { locateAlias, locateVersion } from '../locate.js';
import type { MockConfig } from '../integrations/mocks.js';
import { loadAlias } from '../resources/aliases.js';
import type { ResourceDeps } from '../resources/resource-deps.js';
import { loadStateMachine } from '../resources/state-machines.js';
import { loadVersion } from '../resources/versions.js';

/** What a StartExecution runs: the machine (or version) it found, and what the execution records of how it got there. */
export interface StartTarget {
  readonly sm: { name: string; stateMachineArn: string; roleArn: string; definition: string; stateMachineType: StateMachineType };
  /** The test case of `<arn>#<TestCase>`: the execution runs with its mocked integrations. */
  readonly testCase?: string;
  /** The version it runs, when started on a version ARN or routed there by an alias. */
  readonly versionArn?: string;
  /** The alias it was started on. */
  readonly aliasArn?: string;
}

/**
 * Resolves StartExecution's `stateMachineArn`: a state machine, a version (`…:NAME:N`), or an
 * alias (`…:NAME:ALIAS`, routed to one of its versions by weight, drawn with `random`), with an
 * optional `#<TestCase>` suffix that needs a mock configuration defining that test case.
 */
export const resolveStartTarget = async (
  deps: Pick<ResourceDeps, 'store' | 'machines' | 'folds'> & { readonly random: () => number; readonly mocks?: MockConfig | undefined },
  requestedArn: string,
): Promise<E.Either<ApiError, StartTarget>> => {
  // `<stateMachineArn>#<TestCase>` runs the execution with that test case's mocked integrations.
  const hash = requestedArn.indexOf('#');
  const stateMachineArn = hash < 0 ? requestedArn : requestedArn.slice(0, hash);
  const testCase = hash < 0 ? undefined : requestedArn.slice(hash + 1);
  // An alias ARN routes to one of its versions by weight (drawn here, recorded in the execution).
  let aliasArn: string | undefined;
  let target = stateMachineArn;
  if (E.isRight(locateAlias(stateMachineArn))) {
    const alias = await loadAlias(deps, stateMachineArn);
    if (E.isLeft(alias)) return E.left(stateMachineDoesNotExist(stateMachineArn));
    const draw = deps.random() * 100;
    let acc = 0;
    target =
      alias.right.routingConfiguration.find((r) => (acc += r.weight) > draw)?.stateMachineVersionArn ??
      alias.right.routingConfiguration.at(-1)!.stateMachineVersionArn;
    aliasArn = stateMachineArn;
  }
  // A version ARN runs that version (its definition and role); the execution records it.
  const versioned = E.isRight(locateVersion(target));
  let sm: StartTarget['sm'] | undefined;
  let versionArn: string | undefined;
  if (versioned) {
    const v = await loadVersion(deps, target);
    if (E.isLeft(v)) return E.left(stateMachineDoesNotExist(stateMachineArn));
    const name = target.split(':')[6]!;
    sm = { ...v.right, name, stateMachineArn: v.right.stateMachineArn };
    versionArn = v.right.versionArn;
  } else {
    const machine = await loadStateMachine(deps, stateMachineArn);
    if (E.isLeft(machine)) return machine;
    sm = machine.right.current;
    if (!sm) return E.left(stateMachineDoesNotExist(stateMachineArn));
  }
  if (testCase !== undefined && !deps.mocks?.hasTestCase(sm.name, testCase)) {
    return E.left(
      invalidArnDetail(
        deps.mocks
          ? `Test case ${testCase} is not defined for state machine ${sm.name} in STEPSTREAM_MOCK_CONFIG`
          : `Test case ${testCase} needs a mock configuration: start the server with STEPSTREAM_MOCK_CONFIG=FILE`,
      ),
    );
  }
  return E.right({
    sm,
    ...(testCase !== undefined ? { testCase } : {}),
    ...(versionArn !== undefined ? { versionArn } : {}),
    ...(aliasArn !== undefined ? { aliasArn } : {}),
  });
};
