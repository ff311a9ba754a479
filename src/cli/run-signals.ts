// What signals do to a local run (documented in the README under "Signals"):
// - SIGINT (Ctrl-C) or SIGTERM, the first time: stop. Running steps get SIGTERM (their whole
//   process group; SIGKILL after a grace period), nothing new starts, the run ends Cancelled with
//   its state saved, exit 130; `conveyor resume` continues it.
// - Either of them again: terminate. Running steps are killed at once (SIGKILL).
// - SIGHUP (the terminal went away): nothing stops. The run goes on detached to its own end, with
//   its state and logs in the state directory; output that has nowhere to go is dropped.
// - SIGUSR2: another process (`conveyor stop|terminate RUN`) left a request in the run's folder
//   (run-control.ts).
import { CONTROL_SIGNAL } from './run-control.ts';

export interface SignalReactions {
  stop(signal: NodeJS.Signals): void;
  terminate(signal: NodeJS.Signals): void;
  hangUp(): void;
  control(): void;
}

let controlGuarded = false;

/** Installs the reactions for the duration of a run; returns the function that removes them. */
export function reactToSignals(reactions: SignalReactions): () => void {
  let stops = 0;
  const onStop = (signal: NodeJS.Signals): void => {
    stops++;
    if (stops === 1) reactions.stop(signal);
    else reactions.terminate(signal);
  };
  const onHangUp = (): void => reactions.hangUp();
  const onControl = (): void => reactions.control();
  // A request that arrives after the run (while its end is being written) must not end this
  // process: SIGUSR2's default action would, so one listener stays for the process's life.
  if (!controlGuarded) process.on(CONTROL_SIGNAL, () => {});
  controlGuarded = true;
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  process.on('SIGHUP', onHangUp);
  process.on(CONTROL_SIGNAL, onControl);
  return () => {
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
    process.off('SIGHUP', onHangUp);
    process.off(CONTROL_SIGNAL, onControl);
  };
}
