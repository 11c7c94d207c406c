import { useState } from 'preact/hooks';
import { stepstream } from './api.js';
import { useLoad } from './load.js';

interface Verification {
  readonly ok: boolean;
  readonly problems: readonly { readonly kind: string; readonly revision?: number; readonly message: string }[];
  readonly events: number;
  readonly checkpoint: { readonly treeSize: number; readonly timestamp: string };
}

/** Up to this many events the badge checks at once; a longer history (a check takes ~1 s per 25,000 events) on a click. */
const VERIFY_AT_ONCE = 5000;

/**
 * The audit badge: the execution's proof bundle checked by the server (Stepstream.VerifyExecution),
 * and the bundle itself to download and check anywhere with the public key alone.
 */
export const Proof = ({ executionArn, events }: { readonly executionArn: string; readonly events: number }) => {
  const [asked, setAsked] = useState(events <= VERIFY_AT_ONCE);
  const { value, error } = useLoad(
    () => (asked ? stepstream<Verification>('VerifyExecution', { executionArn }) : Promise.resolve(undefined)),
    [executionArn, events, asked],
  );
  const download = async () => {
    const bundle = await stepstream<unknown>('GetProofBundle', { executionArn });
    const url = URL.createObjectURL(new Blob([JSON.stringify(bundle)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${executionArn.split(':').at(-1) ?? 'execution'}.proof.json`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <div class="proof" aria-live="polite">
      {!asked ? (
        <button type="button" onClick={() => setAsked(true)}>
          Verify its {events} events
        </button>
      ) : error !== undefined ? (
        <span class="badge unknown">Not verified: {error}</span>
      ) : value === undefined ? (
        <span class="badge unknown">Verifying…</span>
      ) : value.ok ? (
        <span class="badge verified" data-testid="verified">
          Verified: {value.events} events, chained and in the signed tree of {value.checkpoint.treeSize} ({value.checkpoint.timestamp})
        </span>
      ) : (
        <div class="badge tampered" role="alert" data-testid="tampered">
          Verification failed:
          <ul>
            {value.problems.map((p, i) => (
              <li key={i}>
                {p.kind}
                {p.revision !== undefined ? ` at event ${String(p.revision + 1)}` : ''}: {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}{' '}
      <button type="button" onClick={() => void download()}>
        Download proof bundle
      </button>
      <p class="hint">
        The server checked this with its own store; check the bundle yourself with <code>stepstream verify BUNDLE --public-key KEY</code>.
      </p>
    </div>
  );
};
