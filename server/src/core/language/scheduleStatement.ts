import { CacheMode, cacheModes, Named, ScheduleAst } from './ast';
import { MessageId, Range } from './diagnostics';
import { Token } from './scanner';

/** A `key=value` or a bare word of a statement, as the parser splits it. */
export interface Arg {
  key?: Token;
  value?: Token;
}

type Report = (id: MessageId, range: Range, ...args: (string | number)[]) => void;

const keys = 'patch, from, until, cache, band, stream';

/**
 * One `schedule` line: a patch stage (`patch=4x4 until=block4 [from=block0] [cache=rows]`) or a
 * streamed run of blocks (`stream until=block6 [from=block5] [band=1]`). Values are checked here;
 * whether the blocks exist and the stages chain is the builder's business.
 */
export function parseSchedule(args: readonly Arg[], range: Range, line: number, report: Report): ScheduleAst {
  const schedule: ScheduleAst = { range, line };
  const seen = new Set<string>();
  for (const arg of args) {
    const key = arg.key?.text ?? (arg.value?.text === 'stream' ? 'stream' : undefined);
    if (key === undefined || !keys.split(', ').includes(key)) {
      const token = arg.key ?? arg.value!;
      report('unknownKey', token.range, token.text, 'schedule', keys);
      continue;
    }
    const at = (arg.key ?? arg.value)!.range;
    if (seen.has(key)) {
      report('duplicateKey', at, key);
      continue;
    }
    seen.add(key);
    if (key === 'stream') {
      schedule.stream = at;
      continue;
    }
    if (!arg.value) continue;
    value(schedule, key, arg.value, report);
  }
  if (schedule.stream) {
    if (schedule.patchRange) report('scheduleConflict', schedule.patchRange, 'a streamed line runs whole row bands: patch= does not go with stream (use band=R)');
    if (schedule.cacheRange) report('scheduleConflict', schedule.cacheRange, 'a streamed line always keeps the rows it shares with the next band: cache= does not go with stream');
  } else {
    if (!schedule.patch && !schedule.patchRange) report('missingKey', range, 'schedule', 'patch=PxQ, e.g. patch=4x4');
    if (schedule.band !== undefined) report('scheduleConflict', range, 'band= goes with stream, e.g. schedule stream until=block6 band=1');
  }
  if (!schedule.until) report('missingKey', range, 'schedule', schedule.stream ? 'until=blockN, the last streamed block' : 'until=blockN, the last block of the patch stage');
  return schedule;
}

function value(schedule: ScheduleAst, key: string, token: Token, report: Report): void {
  switch (key) {
    case 'patch': {
      schedule.patchRange = token.range;
      const match = /^(\d+)(?:x(\d+))?$/.exec(token.text);
      const p = match ? Number(match[1]) : 0;
      const q = match ? Number(match[2] ?? match[1]) : 0;
      if (!match || p < 1 || q < 1 || p > 64 || q > 64) report('badValue', token.range, token.text, 'patch', 'PxQ patches, 1 to 64 per side, e.g. 4x4');
      else schedule.patch = [p, q];
      return;
    }
    case 'from': schedule.from = named(token); return;
    case 'until': schedule.until = named(token); return;
    case 'cache':
      schedule.cacheRange = token.range;
      if ((cacheModes as readonly string[]).includes(token.text)) schedule.cache = token.text as CacheMode;
      else report('badValue', token.range, token.text, 'cache', 'none, rows or rows+cols');
      return;
    case 'band':
      if (/^\d+$/.test(token.text) && Number(token.text) >= 1 && Number(token.text) <= 64) schedule.band = Number(token.text);
      else report('badNumber', token.range, token.text, 'band', 'a whole number from 1 to 64');
      return;
  }
}

function named(token: Token): Named {
  return { text: token.text, range: token.range };
}
