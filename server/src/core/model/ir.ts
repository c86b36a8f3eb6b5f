import { Activation, CacheMode, InputPlacement } from '../language/ast';
import { Range } from '../language/diagnostics';
import { Target } from '../targets';

/** Height × width × channels of an int8 tensor (NHWC, batch 1). */
export interface Shape {
  readonly h: number;
  readonly w: number;
  readonly c: number;
}

/** A sliding window along one axis: kernel size, stride, zero padding before the first row. */
export interface Window {
  readonly k: number;
  readonly s: number;
  readonly p: number;
  /**
   * Zero padding after the last row when it differs from `p` (TFLite's SAME with stride 2 on an even
   * size pads 0 before and 1 after; ONNX pads begin/end). Undefined: `p` on both sides.
   */
  readonly pEnd?: number;
}

/**
 * `conv` and `dwconv` are convolutions, `pool` a windowed average or max, `gpool` global average
 * pooling, `fc` a fully connected layer on the flattened input. The rest come only from ONNX graphs
 * that are not chains: `add` of two tensors (a shortcut the IR cannot fuse), `mul` scaling a tensor
 * by a per-channel vector (squeeze-and-excitation), `concat` along channels, `resize` (upsampling)
 * and `convT` (transposed convolution).
 */
export type LayerKind = 'conv' | 'dwconv' | 'pool' | 'gpool' | 'fc' | GraphKind | ElementKind;
export type GraphKind = 'add' | 'mul' | 'concat' | 'resize' | 'convT';
/**
 * One-input ops of imported models: `act` an elementwise activation computed through a 256-entry
 * int8 table (its own output quantization), `pad` explicit zero-point padding (windows with k=1,
 * s=1, p before and pEnd after), `softmax` over the channels of each pixel.
 */
export type ElementKind = 'act' | 'pad' | 'softmax';

/** Activations that run as a 256-entry int8 lookup table built from the quantization parameters. */
export type TableActivation = 'hardswish' | 'hardsigmoid' | 'sigmoid' | 'tanh' | 'leakyrelu' | 'swish' | 'elu' | 'selu' | 'softplus' | 'prelu' | 'clip';

/** Upsampling rule of a `resize` layer (TFLite's and ONNX's coordinate transformations). */
export interface ResizeRule {
  readonly mode: 'nearest' | 'bilinear';
  readonly alignCorners: boolean;
  readonly halfPixelCenters: boolean;
}

/** What a layer is inside its block; `expand`/`dw`/`project` are the parts of an mbconv. */
export type LayerRole = 'conv' | 'expand' | 'dw' | 'project' | 'pool' | 'fc' | 'se' | GraphKind | ElementKind;

export interface Layer {
  /** Position in {@link Model.layers}. */
  readonly index: number;
  /** `block2.expand`, `block0.conv`; in a user block `block13.1.conv` (its second op). */
  readonly name: string;
  /** The ONNX node it was imported from (undefined in a .pnet model). */
  readonly node?: string;
  readonly block: number;
  readonly kind: LayerKind;
  readonly role: LayerRole;
  /** Window along rows and along columns (they differ only for global pooling of non-square maps). */
  readonly rows: Window;
  readonly cols: Window;
  /** A depthwise conv with a depth multiplier m has groups = input.c and output.c = m · input.c. */
  readonly groups: number;
  readonly act: Activation;
  /**
   * Kind `act`: the function (LeakyRelu's slope in `alpha`, HardSigmoid's in `alpha` and `beta`, Elu's
   * in `alpha`, Selu's `alpha` and `gamma`, PRelu's slope of each channel in `slopes`: a table a
   * channel; `clip`: the identity, for a Clip of other bounds than ReLU's or a Max/Min with a
   * constant), its output clamped to `min`/`max` (a Max/Min with a constant after it: TensorFlow's
   * exports).
   */
  readonly table?: { readonly fn: TableActivation; readonly alpha?: number; readonly beta?: number; readonly gamma?: number; readonly slopes?: readonly number[]; readonly min?: number; readonly max?: number };
  /** Kind `resize`: how output pixels map to input pixels. */
  readonly resize?: ResizeRule;
  /** Kind `softmax`: over every value of the map at once (ONNX before opset 13), not each pixel's channels. */
  readonly softmaxMap?: boolean;
  readonly poolMode?: 'avg' | 'max';
  readonly input: Shape;
  readonly output: Shape;
  /**
   * The layers whose outputs it reads, in order (−1: the network input); undefined means the layer
   * before it, as in every .pnet model. The first source is the one `input` describes.
   */
  readonly sources?: readonly number[];
  /** Writes its output over its input (depthwise whose input is not needed later). */
  readonly inPlace: boolean;
  /** Adds the block's shortcut and writes the sum into the shortcut's buffer (fused add). */
  readonly writesShortcut: boolean;
  /** Source line (zero-based) and range of the statement that made this layer. */
  readonly line: number;
  readonly range: Range;
}

export interface Block {
  readonly index: number;
  /** `name=` or the `block NAME` group name; undefined when the line names none. */
  readonly name?: string;
  /** `mbconv e6 k3 s2`, `conv k3 s2`, `pool global`: for tables, hovers and C comments. */
  readonly label: string;
  /** Index of its first layer and one past its last in {@link Model.layers}. */
  readonly firstLayer: number;
  readonly endLayer: number;
  /** The block input is kept and added to its output. */
  readonly shortcut: boolean;
  readonly input: Shape;
  readonly output: Shape;
  readonly line: number;
  readonly range: Range;
}

export interface ModelInput {
  readonly shape: Shape;
  /** `stream`: read from flash/camera, not held in SRAM (the paper's assumption); `sram`: counted. */
  readonly placement: InputPlacement;
}

/** One patch stage: blocks fromBlock..untilBlock run patch by patch. */
export interface Schedule {
  /** Patch rows × patch columns of the stage output. */
  readonly patch: readonly [number, number];
  /** The last block of the patch stage (blocks fromBlock..untilBlock run patch by patch). */
  readonly untilBlock: number;
  /** The stage's first block; undefined means block 0 (MCUNetV2's single stage). */
  readonly fromBlock?: number;
  /**
   * What patches keep for their neighbours (patches run in raster order): undefined or `none`
   * recomputes the shared borders; `rows` keeps the rows shared with the patch below in a cache
   * per layer; `rows+cols` also keeps the columns shared with the patch to the right.
   */
  readonly cache?: CacheMode;
  readonly line: number;
  readonly range: Range;
}

/** Blocks run row band by row band, with row caches (stage.ts evaluateStream; the firmware runs them). */
export interface StreamRun {
  readonly fromBlock: number;
  readonly untilBlock: number;
  readonly band: number;
  readonly line: number;
  readonly range: Range;
}

export interface Model {
  readonly name: string;
  readonly input: ModelInput;
  readonly target: Target;
  /** Where the budget came from: the file's `target`, its `budget`, settings, or the default MCU. */
  readonly targetSource: 'target' | 'budget' | 'override' | 'default';
  readonly layers: readonly Layer[];
  readonly blocks: readonly Block[];
  /** The first patch stage: the whole schedule of a single-stage (MCUNetV2) model. */
  readonly schedule?: Schedule;
  /** Every patch stage in network order, `schedule` first; set only when there is a schedule. */
  readonly stages?: readonly Schedule[];
  /** Streamed runs of blocks. */
  readonly streams?: readonly StreamRun[];
}

/** The same model run layer by layer: no stage, no streamed run. */
export function withoutSchedule(model: Model): Model {
  return { ...model, schedule: undefined, stages: undefined, streams: undefined };
}

/**
 * A schedule as MCUNetV2 has it (one stage from block 0, borders recomputed). The firmware runs
 * every schedule; the overlap panel draws this one as it always has, and any other stage by stage.
 */
export function isSingleStage(model: Model): boolean {
  const stages = model.stages ?? [];
  return stages.length <= 1 && (model.streams ?? []).length === 0 && stages.every((s) => (s.fromBlock ?? 0) === 0 && (s.cache ?? 'none') === 'none');
}

export function bytesOf(shape: Shape): number {
  return shape.h * shape.w * shape.c;
}

export function formatShape(shape: Shape): string {
  return `${shape.h}×${shape.w}×${shape.c}`;
}
