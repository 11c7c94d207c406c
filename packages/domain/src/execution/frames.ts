import type { FramesDelta } from './evolve.js';
import type { FrameEntry, FrameTable } from './model.js';

/**
 * The table of paused frames as one decision changes it: reads fall through to the folded table,
 * writes are kept apart so the decision can record only what it changed.
 */
export class Frames {
  private readonly changed = new Map<string, FrameEntry | undefined>();
  constructor(private readonly base: FrameTable) {}

  get(path: string): FrameEntry | undefined {
    return this.changed.has(path) ? this.changed.get(path) : this.base[path];
  }
  set(path: string, entry: FrameEntry): void {
    this.changed.set(path, entry);
  }
  delete(path: string): void {
    if (this.get(path) !== undefined) this.changed.set(path, undefined);
  }
  /** Removes every frame below `path` (the branches or iterations of the state it was in). */
  deleteBelow(path: string): void {
    const prefix = `${path}/`;
    for (const k of Object.keys(this.base)) if (k.startsWith(prefix)) this.delete(k);
    for (const k of [...this.changed.keys()]) if (k.startsWith(prefix)) this.delete(k);
  }
  /** What changed against the folded table: entries written with different content, entries removed. */
  delta(): FramesDelta | undefined {
    const set: Record<string, FrameEntry> = {};
    const del: string[] = [];
    for (const [k, v] of this.changed) {
      const before = this.base[k];
      if (v === undefined) {
        if (before !== undefined) del.push(k);
      } else if (before === undefined || JSON.stringify(before) !== JSON.stringify(v)) set[k] = v;
    }
    const hasSet = Object.keys(set).length > 0;
    return hasSet || del.length > 0 ? { ...(hasSet ? { set } : {}), ...(del.length > 0 ? { del } : {}) } : undefined;
  }
}
