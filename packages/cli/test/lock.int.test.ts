import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirectoryLocked, lockDataDirectory, type LockOwner } from '../src/lock.js';

const tempDir = () => mkdtemp(join(tmpdir(), 'stepstream-lock-'));
const noLoss = () => {
  throw new Error('the lock was lost');
};

/** The pid of a process that has run and been collected: certainly not running. */
const deadPid = () =>
  new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['-e', '0']);
    child.on('close', () => resolve(child.pid!));
  });

/** Leaves the lock a holder killed with `kill -9` leaves: the lock directory and an owner file naming it. */
const leaveLock = (dataDir: string, owner: Partial<LockOwner> & { readonly pid: number }) => {
  mkdirSync(join(dataDir, 'stepstream.lock'));
  const lockIno = statSync(join(dataDir, 'stepstream.lock')).ino;
  writeFileSync(
    join(dataDir, 'stepstream.owner.json'),
    JSON.stringify({ host: hostname(), command: 'serve', since: new Date().toISOString(), lockIno, ...owner }),
  );
};

test('a directory is created, locked with its owner named, and let go', async (t) => {
  const dataDir = join(await tempDir(), 'new');
  const lock = await lockDataDirectory(dataDir, 'serve', noLoss);
  t.true(existsSync(join(dataDir, 'stepstream.lock')));
  const owner = JSON.parse(readFileSync(join(dataDir, 'stepstream.owner.json'), 'utf8')) as LockOwner;
  t.like(owner, { pid: process.pid, host: hostname(), command: 'serve' });
  await lock.release();
  t.false(existsSync(join(dataDir, 'stepstream.lock')));
  t.false(existsSync(join(dataDir, 'stepstream.owner.json')));
  await lock.release();
  const again = await lockDataDirectory(dataDir, 'serve', noLoss);
  await again.release();
  await rm(join(dataDir, '..'), { recursive: true });
});

test('a directory this process holds is refused a second time, not taken over', async (t) => {
  const dataDir = await tempDir();
  const lock = await lockDataDirectory(dataDir, 'serve', noLoss);
  const e = await t.throwsAsync(lockDataDirectory(dataDir, 'projections rebuild', noLoss), { instanceOf: DataDirectoryLocked });
  t.is(e?.owner?.pid, process.pid);
  await lock.release();
  await rm(dataDir, { recursive: true });
});

test('a lock whose owner runs is refused, naming the owner; nothing is changed', async (t) => {
  const dataDir = await tempDir();
  leaveLock(dataDir, { pid: process.ppid, command: 'projections rebuild' });
  const before = readFileSync(join(dataDir, 'stepstream.owner.json'), 'utf8');
  const e = await t.throwsAsync(lockDataDirectory(dataDir, 'serve', noLoss), { instanceOf: DataDirectoryLocked });
  t.is(e?.message, `the data directory ${dataDir} is in use by another stepstream process (projections rebuild, pid ${process.ppid} on ${hostname()})`);
  t.is(readFileSync(join(dataDir, 'stepstream.owner.json'), 'utf8'), before);
  t.true(existsSync(join(dataDir, 'stepstream.lock')));
  await rm(dataDir, { recursive: true });
});

test('a lock left by a dead process of this machine is taken over at once', async (t) => {
  const dataDir = await tempDir();
  leaveLock(dataDir, { pid: await deadPid() });
  const lock = await lockDataDirectory(dataDir, 'serve', noLoss);
  t.like(JSON.parse(readFileSync(join(dataDir, 'stepstream.owner.json'), 'utf8')), { pid: process.pid });
  await lock.release();
  await rm(dataDir, { recursive: true });
});

test('a fresh lock the owner file does not describe, or from another host, is not taken over on a pid', async (t) => {
  const pid = await deadPid();
  const notThisLock = await tempDir();
  // An owner file left by an earlier holder, beside a lock a new holder has just made.
  leaveLock(notThisLock, { pid, lockIno: -1 });
  await t.throwsAsync(lockDataDirectory(notThisLock, 'serve', noLoss), { instanceOf: DataDirectoryLocked });
  const otherHost = await tempDir();
  leaveLock(otherHost, { pid, host: `not-${hostname()}` });
  await t.throwsAsync(lockDataDirectory(otherHost, 'serve', noLoss), { instanceOf: DataDirectoryLocked });
  const noOwner = await tempDir();
  mkdirSync(join(noOwner, 'stepstream.lock'));
  const e = await t.throwsAsync(lockDataDirectory(noOwner, 'serve', noLoss), { instanceOf: DataDirectoryLocked });
  t.is(e?.message, `the data directory ${noOwner} is in use by another stepstream process`);
  await Promise.all([notThisLock, otherHost, noOwner].map((d) => rm(d, { recursive: true })));
});
