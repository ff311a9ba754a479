// Status conditions as both our kinds carry them, and the one rule they all follow: a condition's
// lastTransitionTime moves only when its status does, as the Kubernetes API conventions ask.
// run-conditions.ts decides a run's conditions, workflow-status.ts a Workflow's; both stamp them here.

export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
}

/** A condition as decided, before it is stamped with its generation and transition time. */
export type ConditionDraft = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export function stampConditions(
  drafts: readonly ConditionDraft[],
  generation: number | undefined,
  previous: readonly Condition[],
  now: Date,
): Condition[] {
  return drafts.map((d) => {
    const old = previous.find((p) => p.type === d.type);
    const since = old && old.status === d.status ? old.lastTransitionTime : now.toISOString();
    return {
      ...d,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: since,
    };
  });
}

/** Whether two lists say the same, whatever their order and however long each has held. */
export function sameConditions(a: readonly Condition[], b: readonly Condition[]): boolean {
  return (
    a.length === b.length &&
    b.every((c) =>
      a.some(
        (p) =>
          p.type === c.type &&
          p.status === c.status &&
          p.message === c.message &&
          p.observedGeneration === c.observedGeneration,
      ),
    )
  );
}
