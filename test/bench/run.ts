// `npm run bench`: prints the project's performance figures. Each figure is measured in this
// process against a reference measured in the same run, never against a fixed threshold.
import { benchEngine } from './engine.ts';
import { benchLocalVsMake } from './local-vs-make.ts';
import { benchValidation } from './validation.ts';

const only = process.argv.slice(2);
const wanted = (name: string): boolean => only.length === 0 || only.includes(name);
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

if (wanted('validation')) {
  const v = benchValidation();
  console.log(
    `validation: ${v.steps}-step workflow (${(v.bytes / 1024).toFixed(0)} KiB): best ${fmt(v.bestMs)}, median ${fmt(v.medianMs)}`,
  );
}
if (wanted('engine')) {
  const e = await benchEngine();
  console.log(
    `engine: ${e.steps}-step DAG run to completion: ${fmt(e.engineMs)} in the engine over ${e.decideCalls} decide calls`,
  );
}
if (wanted('local')) {
  const l = benchLocalVsMake();
  console.log(
    `local run: ${l.steps}-step DAG of 'true' at --parallel ${l.parallel}: conveyor ${fmt(l.conveyorMs)}, make -j${l.parallel} ${fmt(l.makeMs)}, ratio ${l.ratio.toFixed(2)}x`,
  );
}
