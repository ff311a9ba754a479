// A reference for the local bench, not a product: the least any Node program can spend running the
// bench's DAG through conveyor's native launcher. It keeps a dependency count per step and nothing
// else (no engine, no journal, no state, no progress), so what conveyor spends above it is its own
// logic, and what it spends above make is the price of a Node coordinator and a helper process.
// Plain JavaScript run by `node` directly, so that no TypeScript loader is in the figure.
// Usage: node launcher-floor.mjs DAG.json PARALLEL LAUNCHER LOGDIR|- [PROGRAM ARG...]
//   DAG.json: { names: string[], deps: string[][] } (dag.ts); LOGDIR `-`: output to /dev/null;
//   each step runs PROGRAM (`true` by default).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dagFile, parallelText, launcher, logDir, ...program] = process.argv.slice(2);
const argv = (program.length > 0 ? program : ['true']).join('\t');
const { names, deps } = JSON.parse(readFileSync(dagFile, 'utf8'));
const parallel = Number(parallelText);
if (logDir !== '-') mkdirSync(logDir, { recursive: true });

const index = new Map(names.map((name, i) => [name, i]));
const blockers = deps.map((d) => d.length);
const dependents = names.map(() => []);
deps.forEach((d, i) => d.forEach((name) => dependents[index.get(name)].push(i)));
const ready = [];
blockers.forEach((b, i) => b === 0 && ready.push(i));

const helper = spawn(launcher, [], { stdio: ['pipe', 'pipe', 'inherit'] });
helper.stdin.write(`E\tPATH\t${process.env.PATH ?? '/usr/bin:/bin'}\n`);
let running = 0;
let finished = 0;
let head = 0;

function startReady() {
  let requests = '';
  while (running < parallel && head < ready.length) {
    const i = ready[head++];
    running++;
    const log = logDir === '-' ? '/dev/null' : join(logDir, `${names[i]}.log`);
    // R ID CWD MODE STDOUT STDERR RECORD NENV ARGV (see native-launcher.c)
    requests += `R\t${i}\t${process.cwd()}\ta\t${log}\t\t\t0\t${argv}\n`;
  }
  if (requests) helper.stdin.write(requests);
}

let partial = '';
helper.stdout.setEncoding('utf8');
helper.stdout.on('data', (chunk) => {
  const lines = (partial + chunk).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) {
    if (line[0] !== 'D') continue;
    const [, id, kind, code] = line.split(' ');
    if (kind !== 'x' || code !== '0') throw new Error(`step ${names[Number(id)]} failed: ${line}`);
    running--;
    finished++;
    for (const next of dependents[Number(id)]) if (--blockers[next] === 0) ready.push(next);
  }
  if (finished === names.length) helper.stdin.end();
  else startReady();
});
startReady();
