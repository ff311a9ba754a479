// One palette for a step's phase in every drawing (mermaid, dot, svg, the UI's live graph), chosen
// to stay readable in print and for red-green colour blindness (fill and border differ in lightness).
export interface PhaseColour {
  readonly fill: string;
  readonly stroke: string;
}

const PALETTE: Readonly<Record<string, PhaseColour>> = {
  Pending: { fill: '#ffffff', stroke: '#6b7280' },
  Waiting: { fill: '#f3f4f6', stroke: '#6b7280' },
  AwaitingApproval: { fill: '#fef3c7', stroke: '#b45309' },
  Running: { fill: '#dbeafe', stroke: '#1d4ed8' },
  Retrying: { fill: '#e0e7ff', stroke: '#4338ca' },
  Succeeded: { fill: '#dcfce7', stroke: '#15803d' },
  Failed: { fill: '#fee2e2', stroke: '#b91c1c' },
  Skipped: { fill: '#f3f4f6', stroke: '#9ca3af' },
  FellBack: { fill: '#ffedd5', stroke: '#c2410c' },
  Cancelled: { fill: '#e5e7eb', stroke: '#374151' },
};

/** Colours of a step that has no phase (a workflow's graph, not a run's). */
export const NO_PHASE: PhaseColour = { fill: '#ffffff', stroke: '#374151' };

export const PHASES: readonly string[] = Object.keys(PALETTE);

export function phaseColour(phase: string | undefined): PhaseColour {
  return (phase !== undefined ? PALETTE[phase] : undefined) ?? NO_PHASE;
}
