// How a step's phase looks on a terminal: one symbol each, as in the seed's progress picture.
import type { StepPhase } from '../../engine/types.ts';

export const PHASE_SYMBOL: Readonly<Record<StepPhase, string>> = {
  Succeeded: '✓',
  Running: '⏳',
  Pending: '⏸',
  Waiting: '⏸',
  AwaitingApproval: '⏸',
  Retrying: '↻',
  Failed: '✗',
  Skipped: '⊘',
  Cancelled: '⊘',
  FellBack: '⤷',
};

/** The ASCII fallback for terminals that cannot show the symbols (NO_COLOR does not imply this). */
export const PHASE_WORD: Readonly<Record<StepPhase, string>> = {
  Succeeded: 'ok',
  Running: 'running',
  Pending: 'pending',
  Waiting: 'waiting',
  AwaitingApproval: 'approval',
  Retrying: 'retrying',
  Failed: 'FAILED',
  Skipped: 'skipped',
  Cancelled: 'cancelled',
  FellBack: 'fellback',
};
