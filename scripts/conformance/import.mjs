#!/usr/bin/env node
// Imports every recorded AWS history of the conformance corpus that needs nothing but Step
// Functions (and the echo function) into a running Stepstream (Stepstream.ImportExecution), which
// decides each again with this engine and refuses at the first event it decides differently.
// `stepstream replay` over the store then re-checks the imported histories.
//
//   node scripts/conformance/import.mjs --endpoint http://127.0.0.1:8083 --cases ../shared/conformance/cases
//
// The corpus keeps AWS's histories normalised (run-specific values replaced by placeholders: see
// its README): they are sent with `normalised`, under which a placeholder matches any value. Cases
// whose recording dropped events (parallelUnordered: the branch events were kept as a set and
// the Parallel's end events left out) are not whole histories and are skipped, with the count.
// Prints one FAIL line per divergence and ends with `N imported, M diverged, K skipped`; exit 1
// when one diverged.
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { endpoint: { type: 'string' }, cases: { type: 'string' }, filter: { type: 'string' }, verbose: { type: 'boolean' } },
});
if (!values.endpoint || !values.cases) {
  console.error('usage: node scripts/conformance/import.mjs --endpoint URL --cases DIR [--filter TEXT] [--verbose]');
  process.exit(2);
}

const ECHO = 'arn:aws:lambda:us-east-1:123456789012:function:stepstream-conf-echo';
const fill = (text) => text.replaceAll('${lambda:echo:name}', 'stepstream-conf-echo').replaceAll('${lambda:echo}', ECHO);
// Details members that are objects on the wire; every other object in a recorded event was a JSON text the recording parsed.
const OBJECTS = new Set(['inputDetails', 'outputDetails', 'assignedVariablesDetails', 'taskCredentials']);
const asText = (details) =>
  Object.fromEntries(
    Object.entries(details).map(([k, v]) => {
      if (k === 'input' || k === 'output') return [k, JSON.stringify(v)];
      if (k === 'assignedVariables') return [k, Object.fromEntries(Object.entries(v).map(([n, x]) => [n, typeof x === 'string' ? x : JSON.stringify(x)]))];
      if (OBJECTS.has(k) || v === null || typeof v !== 'object') return [k, v];
      return [k, JSON.stringify(v)];
    }),
  );

const call = async (target, body) => {
  const res = await fetch(values.endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': target },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  return res.ok ? { ok: true, answer } : { ok: false, error: `${answer.__type}: ${answer.message}` };
};

let imported = 0;
let diverged = 0;
let whole = 0;
let pointers = 0;
const skipped = { incomplete: 0, other: 0 };
const files = readdirSync(values.cases).filter((f) => f.endsWith('.json'));
for (const file of files) {
  const c = JSON.parse(readFileSync(join(values.cases, file), 'utf8'));
  if (!c.expected.history || c.needs.some((n) => n !== 'lambda:echo')) continue;
  if (values.filter && !c.name.includes(values.filter)) continue;
  if (c.normalise.parallelUnordered) {
    skipped.incomplete++;
    continue;
  }
  const id = createHash('sha256').update(c.name).digest('hex').slice(0, 12);
  const events = c.expected.history.map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, k.endsWith('EventDetails') ? asText(v) : v])));
  // The input as sent (the recording may show it normalised).
  events[0] = { ...events[0], executionStartedEventDetails: { ...events[0].executionStartedEventDetails, input: fill(c.input) } };
  const placeholders = [
    ...(c.normalise.lambdas ?? []).map((l) => l.placeholder),
    ...(c.normalise.paths ?? []).map((p) => p.value),
    ...(c.normalise.literals ?? []).map((l) => (Array.isArray(l) ? l[1] : l.value)),
  ].filter((p) => typeof p === 'string' && p.length > 0);
  const r = await call('Stepstream.ImportExecution', {
    events,
    stateMachine: { definition: fill(c.definitionString ?? JSON.stringify(c.definition)), name: `imported_${id}` },
    name: `case-${id}-${Date.now().toString(36)}`,
    normalised: { placeholders },
  });
  if (r.ok) {
    imported++;
    whole += r.answer.events;
    if (r.answer.pointers.length > 0) {
      pointers++;
      if (values.verbose) console.log(`POINTER ${c.name}: ${JSON.stringify(r.answer.pointers)}`);
    }
  } else {
    diverged++;
    console.log(`FAIL ${c.name}: ${r.error.slice(0, 2000)}`);
  }
}
console.log(
  `imported histories: ${imported} (${whole} events), ${pointers} of them recorded before AWS changed where MapStateExited points (reported, not a divergence); ${skipped.incomplete} skipped: their recordings dropped events (parallelUnordered)`,
);
console.log(`${imported} imported, ${diverged} diverged, ${skipped.incomplete} skipped`);
process.exit(diverged === 0 ? 0 : 1);
