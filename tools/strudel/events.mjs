// Prints the events of mini-notation patterns as Strudel itself sees them, one JSON line each, in the format of
// `liveengine pattern`: {"begin":"1/2","end":"3/4","value":"sn"} (exact fractions of cycles).
// Usage: node events.mjs CYCLES PATTERN...   or   node events.mjs --stdin  (lines "CYCLES<TAB>PATTERN").
// Each pattern's lines are preceded by a line "# PATTERN"; a pattern Strudel refuses gives "! message".
import { register } from 'node:module';
import { readFileSync } from 'node:fs';

register('./resolve-hooks.mjs', import.meta.url);
const { mini } = await import('@strudel/mini');

function events(pattern, cycles) {
  const haps = mini(pattern)
    .queryArc(0, cycles)
    .filter((hap) => hap.hasOnset());
  const rows = haps.map((hap) => ({
    begin: hap.whole.begin,
    end: hap.whole.end,
    value: JSON.stringify(Array.isArray(hap.value) ? hap.value.join(':') : hap.value),
  }));
  rows.sort((a, b) => a.begin.compare(b.begin) || a.end.compare(b.end) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return rows.map((r) => `{"begin":"${r.begin.toFraction()}","end":"${r.end.toFraction()}","value":${r.value}}`);
}

const jobs = [];
if (process.argv[2] === '--stdin') {
  for (const line of readFileSync(0, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const tab = line.indexOf('\t');
    jobs.push([Number(line.slice(0, tab)), line.slice(tab + 1)]);
  }
} else {
  const cycles = Number(process.argv[2]);
  for (const pattern of process.argv.slice(3)) jobs.push([cycles, pattern]);
}

const out = [];
for (const [cycles, pattern] of jobs) {
  out.push(`# ${pattern}`);
  try {
    out.push(...events(pattern, cycles));
  } catch (e) {
    out.push(`! ${String(e.message ?? e).split('\n')[0]}`);
  }
}
process.stdout.write(out.join('\n') + '\n');
