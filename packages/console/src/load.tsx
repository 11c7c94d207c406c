import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

/** What a page loads: the value, the error the API answered, and a way to load it again. */
export const useLoad = <T,>(load: () => Promise<T>, deps: readonly unknown[]) => {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    let live = true;
    load().then(
      (v) => {
        if (!live) return;
        setValue(v);
        setError(undefined);
      },
      (e: unknown) => {
        if (live) setError(e instanceof ApiError ? `${e.type}: ${e.message}` : String(e));
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { value, error, reload };
};

export const Failure = ({ error }: { readonly error: string | undefined }) =>
  error === undefined ? null : (
    <p role="alert" class="error">
      {error}
    </p>
  );
