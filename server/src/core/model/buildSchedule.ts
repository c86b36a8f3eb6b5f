import { ScheduleAst } from '../language/ast';
import { Diagnostic, diagnostic, Range } from '../language/diagnostics';
import { Layer, Model, Schedule, StreamRun } from './ir';
import { stageBlocker } from './ops';

export interface ResolvedSchedule {
  schedule?: Schedule;
  stages?: Schedule[];
  streams?: StreamRun[];
}

/**
 * Resolves the `schedule` lines against the built blocks: each line is a patch stage or a streamed
 * run, starting after the previous line's last block unless `from=` says where. A line that cannot
 * be run gets its diagnostic and is left out; the other lines still apply.
 */
export function resolveSchedules(lines: readonly ScheduleAst[], model: Model, diagnostics: Diagnostic[]): ResolvedSchedule {
  const stages: Schedule[] = [];
  const streams: StreamRun[] = [];
  let previous: { from: number; until: number } | undefined;
  const report = (id: Parameters<typeof diagnostic>[0], range: Range, ...args: (string | number)[]) => diagnostics.push(diagnostic(id, range, ...args));
  for (const line of lines) {
    if (!line.until || (!line.stream && !line.patch)) continue;
    const until = resolveBlock('until', line.until.text, line.until.range, model, report);
    if (until === undefined) continue;
    const from = line.from ? resolveBlock('from', line.from.text, line.from.range, model, report) : previous ? previous.until + 1 : 0;
    if (from === undefined) continue;
    const fromRange = line.from?.range ?? line.range;
    if (previous && Math.min(from, until) <= previous.until) {
      report('stagesOverlap', line.from ? fromRange : line.range, Math.min(from, until), previous.from, previous.until, previous.until + 1);
      continue;
    }
    if (from > until) {
      report('fromAfterUntil', fromRange, line.from?.text ?? `block${from}`, line.until.text, from, until);
      continue;
    }
    previous = { from, until };
    if (line.stream) {
      if (!streamable(line, from, until, model, report)) continue;
      streams.push({ fromBlock: from, untilBlock: until, band: line.band ?? 1, line: line.line, range: line.range });
      continue;
    }
    const stage = resolveStage(line, from, until, model, report);
    if (stage) stages.push(stage);
  }
  return {
    ...(stages.length > 0 ? { schedule: stages[0], stages } : {}),
    ...(streams.length > 0 ? { streams } : {}),
  };
}

type Report = (id: Parameters<typeof diagnostic>[0], range: Range, ...args: (string | number)[]) => void;

/** A streamed run is a chain of windowed layers, like a stage, and runs on a map of several rows. */
function streamable(line: ScheduleAst, from: number, until: number, model: Model, report: Report): boolean {
  const global = globalBefore(model, from);
  if (global) {
    report('stageAfterGlobal', line.from?.range ?? line.range, from, model.blocks[global.block].label, global.block);
    return false;
  }
  const blocker = stageBlocker(model, until, from);
  if (blocker && blocker.why !== 'tapped') {
    report(blocker.why === 'global' ? 'notPatchable' : 'graphInStage', line.until!.range, line.until!.text, blockedBy(model, blocker.layer), blocker.layer.block);
    return false;
  }
  if (blocker) {
    report('stageTapped', line.until!.range, line.until!.text, blocker.reader.name, blocker.layer ? `the output of ${blocker.layer.name}` : 'the network input', blocker.layer ? blocker.layer.block + 1 : 0);
    return false;
  }
  return true;
}

/**
 * The block that stops a stage, as PW2009/PW2014 name it. An SE block ends a stage: its squeeze
 * pools every pixel before its scale may apply to any, so a stage would have to run twice (once for
 * the pooled sums, once more to scale), recomputing every layer in it; Patchwise ends the stage before it.
 */
function blockedBy(model: Model, layer: Layer): string {
  const block = model.blocks[layer.block];
  const se = block.label.startsWith('se ') ? ', an SE block whose squeeze pools every pixel before its scale applies to any' : '';
  return `${block.label} (block ${layer.block}${se})`;
}

function resolveStage(line: ScheduleAst, from: number, until: number, model: Model, report: Report): Schedule | undefined {
  const untilRange = line.until!.range;
  const global = globalBefore(model, from);
  if (global) {
    report('stageAfterGlobal', line.from?.range ?? line.range, from, model.blocks[global.block].label, global.block);
    return undefined;
  }
  const blocker = stageBlocker(model, until, from);
  if (blocker) {
    if (blocker.why === 'tapped') {
      const read = blocker.layer ? `the output of ${blocker.layer.name}` : 'the network input';
      const before = blocker.layer ? blocker.layer.block + 1 : 0;
      report('stageTapped', untilRange, line.until!.text, blocker.reader.name, read, before);
    } else {
      report(blocker.why === 'global' ? 'notPatchable' : 'graphInStage', untilRange, line.until!.text, blockedBy(model, blocker.layer), blocker.layer.block);
    }
    return undefined;
  }
  const [p, q] = line.patch!;
  const out = model.blocks[until].output;
  if (p > out.h || q > out.w) {
    report('patchTooFine', line.patchRange ?? line.range, p, q, out.h, out.w);
    return undefined;
  }
  const cache = line.cache ?? 'none';
  if (cache !== 'none' && p === 1) report('cacheNoEffect', line.cacheRange ?? line.range, cache, `${p}x${q}`, 'below');
  else if (cache === 'rows+cols' && q === 1) report('cacheNoEffect', line.cacheRange ?? line.range, cache, `${p}x${q}`, 'to the right');
  return {
    patch: [p, q],
    untilBlock: until,
    ...(from > 0 ? { fromBlock: from } : {}),
    ...(line.cache && line.cache !== 'none' ? { cache: line.cache } : {}),
    line: line.line,
    range: line.range,
  };
}

/** The last global op (global pooling, fc) before block `from`, if any. */
function globalBefore(model: Model, from: number): Layer | undefined {
  const first = model.blocks[from].firstLayer;
  for (let i = first - 1; i >= 0; i--) {
    const layer = model.layers[i];
    if (layer.kind === 'gpool' || layer.kind === 'fc') return layer;
  }
  return undefined;
}

/** `blockN`, a block's `name=`, or an imported model's node name: the block it means. */
export function resolveBlock(key: string, text: string, range: Range, model: Model, report: Report): number | undefined {
  const last = model.blocks.length - 1;
  const numbered = /^block(\d+)$/.exec(text);
  if (numbered) {
    const index = Number(numbered[1]);
    if (index > last) {
      report('untilPastNetwork', range, key, text, last);
      return undefined;
    }
    return index;
  }
  const byName = model.blocks.filter((b) => b.name === text);
  // An imported model's node name (`block3.expand (Conv_12)`) means its block.
  const byNode = model.layers.find((l) => l.node === text);
  if (byName.length === 0 && byNode) return byNode.block;
  if (byName.length === 0) {
    report('unknownUntil', range, key, text);
    return undefined;
  }
  // A repeated named line names several blocks: until= means the last of them, from= the first.
  return key === 'from' ? byName[0].index : byName[byName.length - 1].index;
}
