import { useState } from 'preact/hooks';
import { ApiError, sfn } from './api.js';
import { Failure } from './load.js';

/**
 * The answers a task that waits on its token can be given by hand: SendTaskSuccess with an output,
 * SendTaskFailure with an error and a cause, SendTaskHeartbeat. `onAnswered` runs after the API
 * accepted one; its refusal is shown.
 */
export const TaskAnswer = ({ taskToken, label, onAnswered }: { readonly taskToken: string; readonly label: string; readonly onAnswered: () => void }) => {
  const [output, setOutput] = useState('{}');
  const [error, setError] = useState('');
  const [cause, setCause] = useState('');
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);
  const send = async (operation: 'SendTaskSuccess' | 'SendTaskFailure' | 'SendTaskHeartbeat', body: Record<string, unknown>, done: string) => {
    setBusy(true);
    try {
      await sfn(operation, { taskToken, ...body });
      setFailure(undefined);
      setSaid(done);
      onAnswered();
    } catch (e) {
      setSaid('');
      setFailure(e instanceof ApiError ? `${e.type}: ${e.message}` : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="answer" role="group" aria-label={`Answer ${label}`}>
      <div class="answer-part">
        <label>
          Output (JSON)
          <textarea rows={3} spellcheck={false} value={output} onInput={(e) => setOutput((e.target as HTMLTextAreaElement).value)} />
        </label>
        <button type="button" disabled={busy} onClick={() => void send('SendTaskSuccess', { output }, 'Success sent.')}>
          Send success
        </button>
      </div>
      <div class="answer-part">
        <label>
          Error <input type="text" value={error} onInput={(e) => setError((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Cause <input type="text" value={cause} onInput={(e) => setCause((e.target as HTMLInputElement).value)} />
        </label>
        <button
          type="button"
          disabled={busy}
          onClick={() => void send('SendTaskFailure', { ...(error !== '' ? { error } : {}), ...(cause !== '' ? { cause } : {}) }, 'Failure sent.')}
        >
          Send failure
        </button>
      </div>
      <div class="answer-part">
        <button type="button" disabled={busy} onClick={() => void send('SendTaskHeartbeat', {}, 'Heartbeat sent.')}>
          Send heartbeat
        </button>
        <p role="status" class="hint">
          {said}
        </p>
      </div>
      <Failure error={failure} />
    </div>
  );
};
