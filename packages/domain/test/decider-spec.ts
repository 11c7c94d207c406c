import { foldDecider, type Decider } from '../src/index.js';

/**
 * Given events / when a command: what the decider decides on the state those events fold to
 * (Emmett's decider specification, in ava's terms: the test asserts on the `Either`).
 *
 * @example
 * t.deepEqual(given(tagsDecider, [created]).when(untag), E.right([untagged]));
 */
export const given = <State, Command, Event, Error>(decider: Decider<State, Command, Event, Error>, events: readonly Event[]) => ({
  when: (command: Command) => decider.decide(foldDecider(decider, events), command),
});
