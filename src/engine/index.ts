// The engine's public surface: see types.ts for the contract.
export type * from './types.ts';
export { RUN_STATE_SCHEMA_VERSION, TERMINAL_STEP_PHASES } from './types.ts';
export { buildPlan, PlanError } from './plan.ts';
export { createRunState, isRunFinished } from './state.ts';
export { decide } from './decide.ts';
export { failureHandlingThatRan, prepareResume } from './resume.ts';
export type { ResumeChoice } from './resume.ts';
export { summarizeProgress } from './progress.ts';
export { attemptId, DEFAULT_MAX_OUTPUT_BYTES } from './attempts.ts';
export { retryDelayMs } from './retry-delay.ts';
export { restartAction } from './restart.ts';
export { decideSchedule, NEXT_TIMES_SHOWN } from './schedules.ts';
export type { ScheduleDecision, ScheduleMemory, ScheduledRun, SkipReason } from './schedules.ts';
export { BEFORE_START_STEP, startFromStep, stepsBefore } from './start-from.ts';
