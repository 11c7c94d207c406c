import { validationException, type ApiError } from '@stepstream/domain';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import * as E from 'fp-ts/lib/Either.js';

/** How long one layout may take before its thread is stopped (and a new one started for the next). */
export const LAYOUT_TIMEOUT_MS = 5000;
/** Layouts waiting for the thread at most; more are refused until it catches up. */
const QUEUE = 8;
/** Layouts kept, by the SHA-256 of the graph's text (a definition's graph is the same for every viewer). */
const KEPT = 500;

interface Waiting {
  readonly resolve: (answer: E.Either<ApiError, string>) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * ELK layouts of graphs (`Stepstream.LayoutGraph`, which the console asks before laying a graph
 * out itself): computed in a worker thread of their own, one at a time, each stopped after
 * {@link LAYOUT_TIMEOUT_MS}, and kept by the graph's hash — so a browser that opens a page for the
 * first time draws its graph without compiling and warming ELK's 1.6 MB worker itself (~0.8 s of a
 * core here), and the same definition is laid out once for everyone. The thread does not keep the
 * process alive and starts on the first layout asked.
 */
export class GraphLayouts {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private readonly kept = new Map<string, string>();
  private next = 0;

  /** The laid-out graph as ELK's JSON text, or a ValidationException saying why there is none. */
  layout(graph: unknown): Promise<E.Either<ApiError, string>> {
    const key = createHash('sha256').update(JSON.stringify(graph)).digest('hex');
    const known = this.kept.get(key);
    if (known !== undefined) {
      this.kept.delete(key);
      this.kept.set(key, known);
      return Promise.resolve(E.right(known));
    }
    if (this.waiting.size >= QUEUE) return Promise.resolve(E.left(validationException(`${String(QUEUE)} layouts are being computed; ask again shortly`)));
    const worker = this.thread();
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // A graph that keeps ELK busy this long stops the thread: the next layout gets a new one.
        this.stop(`The layout took longer than ${String(LAYOUT_TIMEOUT_MS / 1000)} s: draw a smaller graph`);
      }, LAYOUT_TIMEOUT_MS);
      this.waiting.set(id, {
        timer,
        resolve: (answer) => {
          if (E.isRight(answer)) this.keep(key, answer.right);
          resolve(answer);
        },
      });
      worker.postMessage({ id, graph });
    });
  }

  /** Stops the thread; layouts still waiting are refused. */
  close(): Promise<void> {
    this.stop('The server is closing');
    return Promise.resolve();
  }

  private thread(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(new URL('./layout-worker.js', import.meta.url));
    worker.on('message', (message: { id: number; layout?: string; error?: string }) => {
      const waiting = this.waiting.get(message.id);
      if (waiting === undefined) return;
      this.waiting.delete(message.id);
      clearTimeout(waiting.timer);
      waiting.resolve(
        message.layout !== undefined
          ? E.right(message.layout)
          : E.left(validationException(`ELK could not lay the graph out: ${message.error ?? 'no reason given'}`)),
      );
    });
    worker.on('error', (e) => this.stop(`The layout thread failed: ${e.message}`));
    // After its listeners (a 'message' listener refs it again): the thread never keeps the process alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private stop(reason: string): void {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) void worker.terminate();
    for (const [id, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      this.waiting.delete(id);
      waiting.resolve(E.left(validationException(reason)));
    }
  }

  private keep(key: string, layout: string): void {
    this.kept.set(key, layout);
    if (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value as string);
  }
}
