import type { FramesDelta } from './evolve.js';
import type { FrameEntry, FrameTable } from './model.js';
import { stableJson } from './stable-json.js';

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
  /** The direct children of `path` (its branches or iterations) by index, with their entries. */
  children(path: string): [number, FrameEntry][] {
    const prefix = `${path}/`;
    const keys = new Set([...Object.keys(this.base), ...this.changed.keys()]);
    const out: [number, FrameEntry][] = [];
    for (const k of keys) {
      if (!k.startsWith(prefix) || k.indexOf('/', prefix.length) >= 0) continue;
      const entry = this.get(k);
      if (entry !== undefined) out.push([Number(k.slice(prefix.length)), entry]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }
  /** What changed against the folded table: entries written with different content, entries removed. */
  delta(): FramesDelta | undefined {
    const set: Record<string, FrameEntry> = {};
    const del: string[] = [];
    for (const [k, v] of this.changed) {
      const before = this.base[k];
      if (v === undefined) {
        if (before !== undefined) del.push(k);
      } else if (before === undefined || stableJson(before) !== stableJson(v)) set[k] = v;
    }
    const hasSet = Object.keys(set).length > 0;
    return hasSet || del.length > 0 ? { ...(hasSet ? { set } : {}), ...(del.length > 0 ? { del } : {}) } : undefined;
  }
}
