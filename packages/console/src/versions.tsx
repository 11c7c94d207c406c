import { sfn } from './api.js';
import { when } from './format.js';
import { Failure, useLoad } from './load.js';

interface Version {
  readonly stateMachineVersionArn: string;
  readonly creationDate: number;
  readonly description?: string;
}

interface Alias {
  readonly stateMachineAliasArn: string;
  readonly name: string;
  readonly description?: string;
  readonly routingConfiguration: readonly { readonly stateMachineVersionArn: string; readonly weight: number }[];
  readonly creationDate: number;
  readonly updateDate?: number;
}

/** A version's number: the last part of its ARN. */
const versionOf = (arn: string) => arn.split(':').at(-1) ?? arn;

/** Versions whose description is read too (DescribeStateMachine each); the rest show without. */
const DESCRIBED = 50;

/**
 * A state machine's published versions (ListStateMachineVersions, newest first, with their
 * descriptions) and its aliases (ListStateMachineAliases, each with DescribeStateMachineAlias's
 * routing: which versions take what share of the executions started through it).
 */
export const VersionsAndAliases = ({ stateMachineArn }: { readonly stateMachineArn: string }) => {
  const { value, error } = useLoad(async () => {
    const [versions, aliases] = await Promise.all([
      sfn<{ stateMachineVersions: Version[] }>('ListStateMachineVersions', { stateMachineArn, maxResults: 1000 }),
      sfn<{ stateMachineAliases: { stateMachineAliasArn: string }[] }>('ListStateMachineAliases', { stateMachineArn, maxResults: 100 }),
    ]);
    return {
      versions: await Promise.all(
        versions.stateMachineVersions.map(async (v, i) =>
          i < DESCRIBED
            ? { ...v, description: (await sfn<{ description?: string }>('DescribeStateMachine', { stateMachineArn: v.stateMachineVersionArn })).description }
            : v,
        ),
      ),
      aliases: await Promise.all(
        aliases.stateMachineAliases.map((a) => sfn<Alias>('DescribeStateMachineAlias', { stateMachineAliasArn: a.stateMachineAliasArn })),
      ),
    };
  }, [stateMachineArn]);
  return (
    <section aria-labelledby="versions">
      <h2 id="versions">Versions and aliases</h2>
      <Failure error={error} />
      {value && (
        <>
          <table class="versions">
            <caption>{value.versions.length === 0 ? 'No version published' : `${String(value.versions.length)} versions`}</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Description</th>
                <th scope="col">ARN</th>
                <th scope="col">Published</th>
              </tr>
            </thead>
            <tbody>
              {value.versions.map((v) => (
                <tr key={v.stateMachineVersionArn}>
                  <td>{versionOf(v.stateMachineVersionArn)}</td>
                  <td>{v.description}</td>
                  <td>{v.stateMachineVersionArn}</td>
                  <td>{when(v.creationDate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table class="aliases">
            <caption>{value.aliases.length === 0 ? 'No alias' : `${String(value.aliases.length)} aliases`}</caption>
            <thead>
              <tr>
                <th scope="col">Alias</th>
                <th scope="col">Description</th>
                <th scope="col">Routing</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {value.aliases.map((a) => (
                <tr key={a.stateMachineAliasArn}>
                  <td>{a.name}</td>
                  <td>{a.description}</td>
                  <td>
                    <ul class="routing">
                      {a.routingConfiguration.map((r) => (
                        <li key={r.stateMachineVersionArn}>
                          version {versionOf(r.stateMachineVersionArn)}: {r.weight} %
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>{when(a.updateDate ?? a.creationDate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
};
