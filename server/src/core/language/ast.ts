import { Diagnostic, Range } from './diagnostics';

/** What the parser makes of a .pnet file: statements with their ranges, values already checked. */
export interface ModelAst {
  name?: Named;
  /** `model NAME from "file.onnx"`: the layers come from that file. */
  from?: Named;
  input?: InputAst;
  target?: Named;
  budget?: BudgetAst;
  items: LayerItem[];
  /** The first `schedule` line (the only one in a single-stage model). */
  schedule?: ScheduleAst;
  /** Every `schedule` line in file order: one a patch stage or a streamed run of blocks. */
  schedules?: ScheduleAst[];
  /** Line count of the source, for ranges at the end of the file. */
  lineCount: number;
}

export interface Named {
  text: string;
  range: Range;
}

export type InputPlacement = 'stream' | 'sram';

export interface InputAst {
  h: number;
  w: number;
  c: number;
  placement: InputPlacement;
  range: Range;
}

export interface BudgetAst {
  sramBytes?: number;
  flashBytes?: number;
  range: Range;
}

export type OpName = 'conv' | 'dwconv' | 'mbconv' | 'pool' | 'fc';

export type Activation = 'relu' | 'relu6' | 'none';

/** One op line. Numbers that were missing or bad hold their defaults; the diagnostic says so. */
export interface OpAst {
  kind: 'op';
  op: OpName;
  /** Keyed values (`out=32`) and positional words (`global`), by key; positional under `mode`. */
  values: Map<string, number | string>;
  /** Where each key's value stands, for diagnostics on that value. */
  valueRanges: Map<string, Range>;
  headRange: Range;
  range: Range;
  line: number;
}

/** `block NAME [repeat=N] { … } [residual]`: one block of several layers, with an optional shortcut. */
export interface GroupAst {
  kind: 'group';
  name: Named;
  repeat: number;
  residual: boolean;
  ops: OpAst[];
  range: Range;
  line: number;
}

export type LayerItem = OpAst | GroupAst;

/**
 * What a patch keeps for its neighbours instead of recomputing them: nothing (MCUNetV2's halos),
 * the rows it shares with the patch below, or those rows and the columns it shares with the patch
 * to its right.
 */
export type CacheMode = 'none' | 'rows' | 'rows+cols';

export const cacheModes: readonly CacheMode[] = ['none', 'rows', 'rows+cols'];

export interface ScheduleAst {
  /** `stream`: the blocks run row band by row band (designed; analysed layer by layer for now). */
  stream?: Range;
  /** Rows × columns of patches; undefined when missing or bad. */
  patch?: [number, number];
  patchRange?: Range;
  /** `from=block5`: the first block of the stage; by default the block after the previous stage. */
  from?: Named;
  /** `until=block4` or a block name, as written. */
  until?: Named;
  /** `cache=rows`; undefined when not given (then `none`). */
  cache?: CacheMode;
  cacheRange?: Range;
  /** `band=R`: output rows a streamed band computes at a time. */
  band?: number;
  range: Range;
  line: number;
}

export interface ParseResult {
  ast: ModelAst;
  diagnostics: Diagnostic[];
}
