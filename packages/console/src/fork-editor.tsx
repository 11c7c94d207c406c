import { useState } from 'preact/hooks';
import { ApiError, stepstream } from './api.js';
import { href, pretty } from './format.js';
import { Failure } from './load.js';

/**
 * "Fork with changes": Stepstream.ForkExecution at `eventId` with a definition edited from the
 * execution's own (pretty-printed to start with) and, when given, another input for the state the
 * execution is in. A refused definition (InvalidDefinition) or input is shown as the API said it.
 */
export const ForkWithChanges = ({
  executionArn,
  eventId,
  definition,
  disabled,
}: {
  readonly executionArn: string;
  readonly eventId: number;
  readonly definition: string;
  readonly disabled: boolean;
}) => {
  const [text, setText] = useState(() => pretty(definition));
  const [input, setInput] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [forked, setForked] = useState<string | undefined>(undefined);
  const fork = async () => {
    try {
      const answer = await stepstream<{ executionArn: string }>('ForkExecution', {
        executionArn,
        eventId,
        definition: text,
        ...(input.trim() !== '' ? { input } : {}),
      });
      setForked(answer.executionArn);
      setError(undefined);
    } catch (e) {
      setForked(undefined);
      setError(e instanceof ApiError ? `${e.type}: ${e.message}` : String(e));
    }
  };
  return (
    <details class="fork-editor">
      <summary>Fork with changes</summary>
      <label>
        Definition
        <textarea rows={16} spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      </label>
      <label>
        Input of the current state (JSON, optional)
        <textarea rows={3} spellcheck={false} value={input} onInput={(e) => setInput((e.target as HTMLTextAreaElement).value)} />
      </label>
      <div class="actions">
        <button type="button" onClick={() => void fork()} disabled={disabled}>
          Fork at event {eventId} with these changes
        </button>
        <button type="button" onClick={() => setText(pretty(definition))}>
          Reset the definition
        </button>
      </div>
      <Failure error={error} />
      {forked && (
        <p>
          Forked with changes: <a href={href('execution', forked)}>{forked.split(':').at(-1)}</a>
        </p>
      )}
    </details>
  );
};
