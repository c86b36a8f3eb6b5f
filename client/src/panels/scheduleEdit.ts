import type { ScheduleSpace } from '../../../server/src/core/services/panelTypes';

/**
 * The schedule statement as the engine writes it (scheduleText in server/src/core/engine.ts), kept
 * here so that the client does not bundle the engine for one line; a test checks the two agree.
 */
export function scheduleStatement(patch: readonly [number, number] | null, untilBlock: number | null): string {
  return patch && untilBlock !== null ? `schedule patch=${patch[0]}x${patch[1]} until=block${untilBlock}` : '';
}

/** The text that replaces `slot.range` to write this schedule ('' removes the statement). */
export function scheduleEditText(slot: ScheduleSpace['edit'], patch: readonly [number, number] | null, untilBlock: number | null): string {
  const statement = scheduleStatement(patch, untilBlock);
  return statement ? slot.prefix + statement + slot.suffix : '';
}
