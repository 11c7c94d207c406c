import { mkdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * The lock is refreshed every {@link UPDATE_MS}; one not refreshed for {@link STALE_MS} is
 * abandoned and the next process takes it. PGlite runs its queries synchronously on the event
 * loop, so a long query delays the refresh: the threshold is generous, and a lock left by a
 * process killed on this machine (`kill -9`) is recognised at once by its dead pid instead.
 */
export const STALE_MS = 30_000;
const UPDATE_MS = 5_000;

/** The lock directory proper-lockfile creates atomically (mkdir) inside the data directory. */
const LOCK_NAME = 'stepstream.lock';
/** Who holds the lock, written just after taking it: what the refusal names, and how a dead holder is recognised. */
const OWNER_NAME = 'stepstream.owner.json';

/** Who holds a data directory. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
  /** The inode of the lock directory it created: an owner file left by an earlier holder does not describe a newer lock. */
  readonly lockIno: number;
}

/** Another process holds the data directory. */
export class DataDirectoryLocked extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(
      `the data directory ${dataDir} is in use by ${owner ? `another stepstream process (${owner.command}, pid ${owner.pid} on ${owner.host})` : 'another stepstream process'}`,
    );
  }
}

/** A held data directory lock. */
export interface DataDirectoryLock {
  /** Stops refreshing the lock and removes it. Safe to call twice. */
  release(): Promise<void>;
}

const readOwner = (dataDir: string): LockOwner | undefined => {
  try {
    return JSON.parse(readFileSync(join(dataDir, OWNER_NAME), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
};

/** The data directories this process holds: taking one twice is refused, not taken over. */
const heldHere = new Set<string>();

const isAlive = (pid: number): boolean => {
  // Our own pid in an owner file of a directory we do not hold is an earlier life of this
  // process (a container restarted with the same pid).
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
};

/**
 * A killed process whose parent has not collected it yet (a container without an init) still
 * answers `kill(pid, 0)`; on Linux its state in /proc says it is dead.
 */
const isZombie = (pid: number): boolean => {
  try {
    // /proc/PID/stat: "PID (command) STATE ...", the command may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
};

/**
 * True when the lock was left by a process of this machine that no longer runs. Only a lock
 * whose owner file names it (same inode) counts: a process that has just taken the lock and not
 * yet written its owner file is alive. Another host's pid means nothing here (a shared volume):
 * that lock only expires by {@link STALE_MS}.
 */
const isAbandoned = (dataDir: string, owner: LockOwner | undefined): boolean => {
  if (owner === undefined || owner.host !== hostname()) return false;
  try {
    return statSync(join(dataDir, LOCK_NAME)).ino === owner.lockIno && !isAlive(owner.pid);
  } catch {
    return false;
  }
};

const isLockedError = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code === 'ELOCKED';

/**
 * Takes the OS-level lock on an embedded data directory before anything opens it: PGlite
 * assumes one process per directory, and a second one corrupts it. The directory is created if
 * needed. The lock is refreshed while held, removed by `release()` or when the process exits,
 * and a lock left by a killed process is taken over (at once when its pid is dead on this
 * machine, otherwise once it is {@link STALE_MS} old).
 *
 * @param command what this process is, for the message another process prints when refused.
 * @param onLost called if the lock is taken from us (the process stalled past {@link STALE_MS}
 * and another took it over): the caller must stop writing at once.
 * @throws DataDirectoryLocked when another live process holds it.
 *
 * @example
 * const lock = await lockDataDirectory('./.stepstream', 'serve', (e) => process.exit(1));
 * // … open PGlite, serve …
 * await lock.release();
 */
export const lockDataDirectory = async (dataDir: string, command: string, onLost: (e: Error) => void): Promise<DataDirectoryLock> => {
  mkdirSync(dataDir, { recursive: true });
  if (heldHere.has(realpathSync(dataDir))) throw new DataDirectoryLocked(dataDir, readOwner(dataDir));
  const lockPath = join(dataDir, LOCK_NAME);
  const take = () => lockfile.lock(dataDir, { lockfilePath: lockPath, stale: STALE_MS, update: UPDATE_MS, onCompromised: onLost });
  let release: () => Promise<void>;
  try {
    release = await take();
  } catch (e) {
    if (!isLockedError(e)) throw e;
    const owner = readOwner(dataDir);
    if (!isAbandoned(dataDir, owner)) throw new DataDirectoryLocked(dataDir, owner);
    rmdirSync(lockPath);
    try {
      release = await take();
    } catch (again) {
      // Another process took it over first.
      if (isLockedError(again)) throw new DataDirectoryLocked(dataDir, readOwner(dataDir));
      throw again;
    }
  }
  const owner: LockOwner = { pid: process.pid, host: hostname(), command, since: new Date().toISOString(), lockIno: statSync(lockPath).ino };
  const ownerPath = join(dataDir, OWNER_NAME);
  // Written whole or not at all: a reader never sees half an owner.
  writeFileSync(`${ownerPath}.${process.pid}`, JSON.stringify(owner));
  renameSync(`${ownerPath}.${process.pid}`, ownerPath);
  const held = realpathSync(dataDir);
  heldHere.add(held);
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      heldHere.delete(held);
      if (readOwner(dataDir)?.pid === process.pid) rmSync(ownerPath, { force: true });
      // ERELEASED: the lock was lost (onLost was told); there is nothing left to remove.
      await release().catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code !== 'ERELEASED') throw e;
      });
    },
  };
};
