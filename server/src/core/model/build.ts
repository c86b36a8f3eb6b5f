import { Activation, GroupAst, ModelAst, OpAst } from '../language/ast';
import { Diagnostic, diagnostic, messages, Range, rangeOf } from '../language/diagnostics';
import { checkModelLimits, limits } from '../limits';
import { defaultTarget, findTarget, Target } from '../targets';
import { Block, bytesOf, ElementKind, formatShape, GraphKind, Layer, LayerKind, LayerRole, Model, Shape, Window } from './ir';
import { resolveSchedules } from './buildSchedule';
import { outputLength, sourcesOf } from './ops';
import { chainDepthwiseWindow, fitOf, specialisedDepthwiseWindow } from './kernelFit';

/** Settings that override the file's `target`/`budget` (the editor's or the CLI's). */
export interface BudgetOverride {
  target?: string;
  sramBytes?: number;
  flashBytes?: number;
}

export interface BuildResult {
  /** Undefined only when the model cannot be shaped at all (no `input` line or no layers). */
  model?: Model;
  diagnostics: Diagnostic[];
}

/**
 * A block made outside the .pnet syntax (by the ONNX importer): its ops, each with the graph node it
 * came from (shown in the layer name, `block3.expand (Conv_12)`) and its role inside the block.
 */
export interface ImportedBlock {
  ops: ImportedOp[];
  residual: boolean;
  label: string;
}

export interface ImportedOp {
  op: OpAst;
  node: string;
  role?: LayerRole;
  /** Layers it reads (−1: the network input) when not just the layer before it. */
  sources?: number[];
  /** A graph op the .pnet syntax has no line for; `op` then only places it. */
  graph?: GraphOpSpec;
  /** The exact windows (TFLite's SAME pads more after than before), replacing k/s/pad of `op`. */
  rows?: Window;
  cols?: Window;
}

/** A graph layer as the importer found it: its kind, its output, and a transposed conv's window. */
export interface GraphOpSpec {
  kind: GraphKind | ElementKind;
  output: Shape;
  act: Activation;
  rows?: Window;
  cols?: Window;
  groups?: number;
  table?: Layer['table'];
  resize?: Layer['resize'];
  softmaxMap?: boolean;
}

type MutableLayer = { -readonly [K in keyof Layer]: Layer[K] };

interface LayerSpec {
  kind: LayerKind;
  role: LayerRole;
  k: number;
  s: number;
  p?: number;
  cout?: number;
  groups?: number;
  act: Activation;
  poolMode?: 'avg' | 'max';
  /** Range of the value to blame when this layer's shape does not work out. */
  blame: Range;
  /** Column kernel, stride and padding when they differ from the row ones (imported models). */
  kc?: number;
  sc?: number;
  pc?: number;
}

/**
 * Builds the IR from a parsed file: expands repeats and mbconvs into layers, infers shapes, decides
 * shortcuts and in-place depthwise, resolves the target and the schedule. Never throws.
 */
export function buildModel(ast: ModelAst, override: BudgetOverride = {}, imported?: readonly ImportedBlock[]): BuildResult {
  return new Builder(ast).build(override, imported);
}

class Builder {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly layers: MutableLayer[] = [];
  private readonly blocks: Block[] = [];
  private shape: Shape = { h: 1, w: 1, c: 1 };
  private sawFc = false;

  constructor(private readonly ast: ModelAst) {}

  /** `imported`: the layers come from these blocks instead of the file's op lines. */
  build(override: BudgetOverride, imported?: readonly ImportedBlock[]): BuildResult {
    const ast = this.ast;
    const fileStart = rangeOf(0, 0, 0);
    if (!ast.input) {
      this.diagnostics.push(diagnostic('missingInput', fileStart));
      return { diagnostics: this.diagnostics };
    }
    this.shape = { h: ast.input.h, w: ast.input.w, c: ast.input.c };
    if (imported) {
      for (const b of imported) {
        if (this.full(ast.input.range)) break;
        const from = b.ops[0]?.sources?.[0];
        if (from !== undefined) this.shape = this.sourceShape(from);
        this.block(ast.input.range, b.ops[0]?.op.line ?? 0, b.ops.map((o) => o.op), true, undefined, b.label, b.residual, b.ops);
      }
      if (this.layers.some((l) => l.sources)) this.graphInPlace(ast.input.placement === 'stream');
      else this.chainTablesInPlace(ast.input.placement === 'stream');
    } else {
      for (const item of ast.items) {
        if (item.kind === 'op') this.opLine(item);
        else this.group(item);
      }
    }
    if (this.layers.length === 0) {
      this.diagnostics.push(diagnostic('noLayers', ast.input.range));
      return { diagnostics: this.diagnostics };
    }
    const name = ast.name?.text ?? 'model';
    const { target, source } = this.target(override);
    const model: Model = {
      name,
      input: { shape: { h: ast.input.h, w: ast.input.w, c: ast.input.c }, placement: ast.input.placement },
      target,
      targetSource: source,
      layers: this.layers,
      blocks: this.blocks,
    };
    this.diagnostics.push(...checkModelLimits(model, ast.input.range));
    const lines = ast.schedules ?? (ast.schedule ? [ast.schedule] : []);
    const schedules = resolveSchedules(lines, model, this.diagnostics);
    return { model: { ...model, ...schedules }, diagnostics: this.diagnostics };
  }

  private target(override: BudgetOverride): { target: Target; source: Model['targetSource'] } {
    const ast = this.ast;
    let target: Target = defaultTarget;
    let source: Model['targetSource'] = 'default';
    const named = ast.target && findTarget(ast.target.text);
    if (named) {
      target = named;
      source = 'target';
    }
    if (ast.budget) {
      target = {
        name: named ? named.name : 'budget',
        sramBytes: ast.budget.sramBytes ?? target.sramBytes,
        flashBytes: ast.budget.flashBytes ?? target.flashBytes,
      };
      source = 'budget';
    }
    const overrideTarget = override.target ? findTarget(override.target) : undefined;
    if (overrideTarget) {
      target = overrideTarget;
      source = 'override';
    }
    if (override.sramBytes !== undefined || override.flashBytes !== undefined) {
      target = {
        name: target.name,
        sramBytes: override.sramBytes ?? target.sramBytes,
        flashBytes: override.flashBytes ?? target.flashBytes,
      };
      source = 'override';
    }
    if (source === 'default' && !ast.target) {
      this.diagnostics.push(diagnostic('noTarget', rangeOf(0, 0, 0), `${target.name} (${target.description})`));
    }
    return { target, source };
  }

  /** Past the layer limit: reported once, at the line that passed it; no more blocks are built. */
  private full(range: Range): boolean {
    if (this.layers.length < limits.layers) return false;
    if (!this.diagnostics.some((d) => d.code === messages.tooManyLayers.code)) this.diagnostics.push(diagnostic('tooManyLayers', range, limits.layers));
    return true;
  }

  private opLine(op: OpAst): void {
    const repeat = num(op, 'repeat') ?? 1;
    for (let r = 0; r < repeat && !this.full(op.range); r++) this.block(op.range, op.line, [op], r === 0, str(op, 'name'), label(op, r === 0), 'auto');
  }

  private group(group: GroupAst): void {
    if (group.ops.length === 0) return;
    for (let r = 0; r < group.repeat && !this.full(group.range); r++) {
      this.block(group.range, group.line, group.ops, r === 0, group.name.text, `block ${group.name.text}${group.residual ? ' (residual)' : ''}`, group.residual);
    }
  }

  /**
   * One block from one or more op lines; `strided` is false for the repeats after the first.
   * `residual` is 'auto' for a single op line: an mbconv then has a shortcut when s=1 and in=out.
   */
  private block(range: Range, line: number, ops: OpAst[], strided: boolean, name: string | undefined, blockLabel: string, residual: boolean | 'auto', origins?: ImportedBlock['ops']): void {
    const index = this.blocks.length;
    const input = this.shape;
    const firstLayer = this.layers.length;
    let shortcut = residual === true;
    for (const [i, op] of ops.entries()) {
      const specs = origins?.[i]?.graph ? [] : this.layerSpecs(op, strided);
      if (op.op === 'mbconv' && residual === 'auto') {
        const s = strided ? num(op, 's') ?? 1 : 1;
        shortcut = s === 1 && input.c === (num(op, 'out') ?? input.c);
      }
      const prefix = ops.length > 1 ? `block${index}.${ops.indexOf(op)}.` : `block${index}.`;
      const origin = origins?.[i];
      if (origin?.sources) this.shape = this.sourceShape(origin.sources[0]);
      if (origin?.graph) {
        this.graphLayer(origin, origin.graph, op, index);
        continue;
      }
      for (const spec of specs) {
        if (origin) this.layer({ ...spec, role: origin.role ?? spec.role }, op, index, `block${index}.${origin.role ?? spec.role} (${origin.node})`, origin);
        else this.layer(spec, op, index, prefix + spec.role);
      }
    }
    const output = this.shape;
    if (residual === true && (output.h !== input.h || output.w !== input.w || output.c !== input.c)) {
      this.diagnostics.push(diagnostic('shortcutMismatch', range, name ?? `block${index}`, formatShape(input), formatShape(output)));
      shortcut = false;
    }
    if (shortcut) this.markShortcut(firstLayer);
    this.blocks.push({ index, name, label: blockLabel, firstLayer, endLayer: this.layers.length, shortcut, input, output, line, range });
  }

  /** The first layer keeps the block input (no in-place depthwise there); the last one adds it. */
  private markShortcut(firstLayer: number): void {
    const first = this.layers[firstLayer];
    if (first.kind === 'dwconv') first.inPlace = false;
    this.layers[this.layers.length - 1].writesShortcut = true;
  }

  private layerSpecs(op: OpAst, strided: boolean): LayerSpec[] {
    const c = this.shape.c;
    const s = strided ? num(op, 's') ?? 1 : 1;
    const blame = op.valueRanges.get('k') ?? op.valueRanges.get('s') ?? op.headRange;
    const act = (str(op, 'act') as Activation | undefined);
    this.checkInChannels(op, c);
    switch (op.op) {
      case 'conv': {
        const k = num(op, 'k') ?? 1;
        return [{ kind: 'conv', role: 'conv', k, s, p: num(op, 'pad'), cout: num(op, 'out') ?? c, groups: this.groups(op, c), act: act ?? 'relu6', blame, ...columns(op) }];
      }
      case 'dwconv':
        // `out` only from an importer: a depth multiplier m gives m·C outputs.
        return [{ kind: 'dwconv', role: 'dw', k: num(op, 'k') ?? 3, s, p: num(op, 'pad'), cout: num(op, 'out'), act: act ?? 'relu6', blame, ...columns(op) }];
      case 'mbconv': {
        const e = num(op, 'e') ?? 6;
        const k = num(op, 'k') ?? 3;
        const expand: LayerSpec[] = e === 1 ? [] : [{ kind: 'conv', role: 'expand', k: 1, s: 1, cout: c * e, act: act ?? 'relu6', blame }];
        return [
          ...expand,
          { kind: 'dwconv', role: 'dw', k, s, act: act ?? 'relu6', blame },
          { kind: 'conv', role: 'project', k: 1, s: 1, cout: num(op, 'out') ?? c, act: 'none', blame },
        ];
      }
      case 'pool': {
        const mode = str(op, 'mode');
        if (mode === 'global' || mode === undefined) return [{ kind: 'gpool', role: 'pool', k: 0, s: 1, p: 0, act: 'none', blame: op.headRange }];
        const k = num(op, 'k') ?? 2;
        return [{ kind: 'pool', role: 'pool', k, s: strided ? num(op, 's') ?? k : 1, p: num(op, 'pad') ?? 0, act: 'none', poolMode: mode as 'avg' | 'max', blame, ...columns(op) }];
      }
      case 'fc':
        return [{ kind: 'fc', role: 'fc', k: 0, s: 1, p: 0, cout: num(op, 'out') ?? c, act: act ?? 'none', blame: op.headRange }];
    }
  }

  private checkInChannels(op: OpAst, c: number): void {
    const declared = num(op, 'in');
    if (declared !== undefined && declared !== c) {
      const where = this.layers.length > 0 ? `the previous layer gives ${c}` : `the input has ${c}`;
      this.diagnostics.push(diagnostic('channelMismatch', op.valueRanges.get('in')!, `${op.op} expects in=${declared} channels but ${where}`));
    }
  }

  private groups(op: OpAst, c: number): number {
    const groups = num(op, 'groups') ?? 1;
    const out = num(op, 'out') ?? c;
    if (c % groups !== 0 || out % groups !== 0) {
      this.diagnostics.push(diagnostic('channelMismatch', op.valueRanges.get('groups')!, `groups=${groups} must divide the ${c} input and ${out} output channels`));
      return 1;
    }
    return groups;
  }

  private sourceShape(source: number): Shape {
    const input = this.ast.input!;
    return source < 0 ? { h: input.h, w: input.w, c: input.c } : this.layers[source].output;
  }

  /**
   * In a chain, a table activation writes over its input unless that is the streamed network input
   * or a block input kept for the shortcut (the rule graphInPlace applies to graphs).
   */
  private chainTablesInPlace(streamed: boolean): void {
    for (const layer of this.layers) {
      if (layer.kind !== 'act') continue;
      const block = this.blocks[layer.block];
      layer.inPlace = !(layer.index === 0 && streamed) && !(block.shortcut && layer.index === block.firstLayer);
    }
  }

  /**
   * A layer of an imported graph op: its output as ONNX gave it, reading `origin.sources`. A table
   * activation of the layer before is a chain layer (no `sources`): it can run inside a patch stage.
   */
  private graphLayer(origin: ImportedOp, spec: GraphOpSpec, op: OpAst, block: number): void {
    const unit: Window = { k: 1, s: 1, p: 0 };
    this.layers.push({
      index: this.layers.length,
      name: `block${block}.${origin.role ?? spec.kind} (${origin.node})`,
      node: origin.node,
      block,
      kind: spec.kind,
      role: origin.role ?? spec.kind,
      rows: spec.rows ?? unit,
      cols: spec.cols ?? spec.rows ?? unit,
      groups: spec.groups ?? 1,
      act: spec.act,
      ...(spec.table ? { table: spec.table } : {}),
      ...(spec.resize ? { resize: spec.resize } : {}),
      ...(spec.softmaxMap ? { softmaxMap: true } : {}),
      input: this.shape,
      output: spec.output,
      ...(spec.kind === 'act' && (origin.sources === undefined || (origin.sources.length === 1 && origin.sources[0] === this.layers.length - 1)) ? {} : { sources: origin.sources ?? [this.layers.length - 1] }),
      inPlace: false,
      writesShortcut: false,
      line: op.line,
      range: op.range,
    });
    this.shape = spec.output;
  }

  /**
   * In a graph, a depthwise conv, an add, an SE scale or a table activation writes over its first
   * input when nothing reads that input later (its last reader, a fused shortcut add included) and
   * the output has the input's size (not a depthwise conv with a depth multiplier).
   */
  private graphInPlace(streamed: boolean): void {
    const lastRead = new Map<number, number>();
    for (const layer of this.layers) for (const s of sourcesOf(layer)) lastRead.set(s, layer.index);
    for (const block of this.blocks.filter((b) => b.shortcut)) {
      const input = sourcesOf(this.layers[block.firstLayer])[0];
      lastRead.set(input, Math.max(lastRead.get(input) ?? -1, block.endLayer - 1));
    }
    for (const layer of this.layers) {
      const first = sourcesOf(layer)[0];
      const dies = lastRead.get(first) === layer.index && !(first < 0 && streamed);
      const fits = bytesOf(this.sourceShape(first)) === bytesOf(layer.output);
      if (layer.kind === 'add' || layer.kind === 'mul' || layer.kind === 'act') layer.inPlace = dies && fits;
      // A depthwise conv in place only on the kernel that writes over its input (pw_dwconv_s8).
      if (layer.kind === 'dwconv') layer.inPlace = dies && fits && specialisedDepthwiseWindow(fitOf(layer));
    }
  }

  private layer(spec: LayerSpec, op: OpAst, block: number, name: string, origin?: ImportedOp): void {
    const input = this.shape;
    if (this.sawFc && spec.kind !== 'fc') {
      this.diagnostics.push({ ...diagnostic('fcNotLast', op.headRange, op.op) });
    }
    let rows: Window;
    let cols: Window;
    if (spec.kind === 'gpool' || spec.kind === 'fc') {
      rows = { k: input.h, s: 1, p: 0 };
      cols = { k: input.w, s: 1, p: 0 };
    } else {
      const p = spec.p ?? (spec.kind === 'pool' ? 0 : Math.floor(spec.k / 2));
      rows = { k: spec.k, s: spec.s, p };
      cols = spec.kc === undefined && spec.sc === undefined && spec.pc === undefined ? rows : { k: spec.kc ?? spec.k, s: spec.sc ?? spec.s, p: spec.pc ?? p };
      if (origin?.rows) [rows, cols] = [origin.rows, origin.cols ?? origin.rows];
    }
    let h = outputLength(input.h, rows);
    let w = outputLength(input.w, cols);
    if (h < 1 || w < 1) {
      this.diagnostics.push(diagnostic('shapeVanishes', spec.blame, `${op.op} k=${rows.k} s=${rows.s} pad=${rows.p} on a ${input.h}×${input.w} input leaves no output`));
      h = Math.max(h, 1);
      w = Math.max(w, 1);
    }
    const c = spec.kind === 'conv' || spec.kind === 'fc' || spec.kind === 'dwconv' ? spec.cout ?? input.c : input.c;
    if (spec.kind === 'fc') this.sawFc = true;
    const output: Shape = { h, w, c };
    this.layers.push({
      index: this.layers.length,
      name,
      ...(origin ? { node: origin.node } : {}),
      ...(origin?.sources ? { sources: origin.sources } : {}),
      block,
      kind: spec.kind,
      role: spec.role,
      rows,
      cols,
      groups: spec.kind === 'dwconv' ? input.c : spec.groups ?? 1,
      act: spec.act,
      poolMode: spec.poolMode,
      input,
      output,
      // A depthwise conv writes over its input where its kernel can (a wider one needs a buffer of its own).
      inPlace: chainDepthwiseWindow({ kind: spec.kind, groups: input.c, rows, cols, inC: input.c, outC: output.c }),
      writesShortcut: false,
      line: op.line,
      range: op.range,
    });
    this.shape = output;
  }
}

function num(op: OpAst, key: string): number | undefined {
  const value = op.values.get(key);
  return typeof value === 'number' ? value : undefined;
}

/** `kw`, `sw`, `pw`: the column window of an imported op whose kernel, stride or padding is not square. */
function columns(op: OpAst): Pick<LayerSpec, 'kc' | 'sc' | 'pc'> {
  const kc = num(op, 'kw');
  const sc = num(op, 'sw');
  const pc = num(op, 'pw');
  return { ...(kc !== undefined ? { kc } : {}), ...(sc !== undefined ? { sc } : {}), ...(pc !== undefined ? { pc } : {}) };
}

function str(op: OpAst, key: string): string | undefined {
  const value = op.values.get(key);
  return typeof value === 'string' ? value : undefined;
}

/** `mbconv e6 k3 s2`, `conv k3 s2`, `pool global`, `fc 1000`. */
function label(op: OpAst, strided: boolean): string {
  const k = num(op, 'k');
  const s = strided ? num(op, 's') ?? 1 : 1;
  switch (op.op) {
    case 'conv': return `conv k${k ?? 1} s${s}${num(op, 'groups') ? ` g${num(op, 'groups')}` : ''}`;
    case 'dwconv': return `dwconv k${k ?? 3} s${s}`;
    case 'mbconv': return `mbconv e${num(op, 'e') ?? 6} k${k ?? 3} s${s}`;
    case 'pool': return str(op, 'mode') === 'global' || !str(op, 'mode') ? 'pool global' : `pool ${str(op, 'mode')} k${k ?? 2} s${strided ? num(op, 's') ?? k ?? 2 : 1}`;
    case 'fc': return `fc ${num(op, 'out') ?? ''}`.trim();
  }
}
