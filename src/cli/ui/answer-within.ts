// A read the UI waits for only so long: an API server that takes the connection and never answers
// (a host gone) would otherwise hold the page for minutes. The read itself is left to finish or fail
// on its own; the page goes on with what it has.
import { systemClock, withDeadline } from '../../kube/clock.ts';

export function answerWithin<T>(ms: number, read: () => Promise<T>): Promise<T> {
  return withDeadline(() => read(), {
    ms,
    clock: systemClock,
    what: 'a read of the cluster',
    message: `no answer within ${ms / 1000} s`,
  });
}
