import { shown } from './shown';

/** Positions are zero-based, like LSP's; `character` counts UTF-16 code units. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info';

export interface RelatedInformation {
  range: Range;
  message: string;
}

export interface Diagnostic {
  /** Stable code from {@link messages}, e.g. `PW1001`. */
  code: string;
  severity: Severity;
  message: string;
  range: Range;
  related?: RelatedInformation[];
}

interface MessageTemplate {
  code: string;
  severity: Severity;
  text: string;
}

/**
 * The catalog: one entry per user mistake, codes never reused. `{0}`, `{1}`… are filled by
 * {@link diagnostic}. 1xxx: syntax and values, 2xxx: the model, 3xxx: budgets, 4xxx: firmware,
 * 5xxx: ONNX import, 6xxx: resource limits, 7xxx: TFLite import.
 */
export const messages = {
  unknownStatement: { code: 'PW1001', severity: 'error', text: "unknown op '{0}' (expected one of {1})" },
  unknownKey: { code: 'PW1002', severity: 'error', text: "unknown key '{0}' for '{1}' (expected one of {2})" },
  badNumber: { code: 'PW1003', severity: 'error', text: "bad number '{0}' for '{1}': expected {2}" },
  missingValue: { code: 'PW1004', severity: 'error', text: "missing value after '{0}='" },
  duplicateKey: { code: 'PW1005', severity: 'error', text: "'{0}' is given twice" },
  missingKey: { code: 'PW1006', severity: 'error', text: "'{0}' needs {1}" },
  unexpectedToken: { code: 'PW1007', severity: 'error', text: "unexpected '{0}' {1}" },
  unterminatedString: { code: 'PW1008', severity: 'error', text: 'unterminated string' },
  invalidCharacter: { code: 'PW1009', severity: 'error', text: "invalid character '{0}'" },
  badSize: { code: 'PW1010', severity: 'error', text: "bad size '{0}': expected bytes like 320KiB, 1MiB, 512kB or 327680" },
  unknownTarget: { code: 'PW1011', severity: 'error', text: "unknown target '{0}' (built in: {1})" },
  duplicateStatement: { code: 'PW1012', severity: 'error', text: "'{0}' is given twice (first on line {1})" },
  badDims: { code: 'PW1013', severity: 'error', text: "bad dimensions '{0}': expected HxWxC, e.g. 224x224x3" },
  unmatchedBrace: { code: 'PW1014', severity: 'error', text: "'}' without a block to close" },
  unclosedBlock: { code: 'PW1015', severity: 'error', text: "block '{0}' is not closed with '}'" },
  badValue: { code: 'PW1016', severity: 'error', text: "bad value '{0}' for '{1}': expected {2}" },
  nestedBlock: { code: 'PW1017', severity: 'error', text: 'blocks cannot be nested; close the block first' },
  binaryFile: { code: 'PW1018', severity: 'error', text: 'this does not look like a .pnet text file ({0} control characters)' },
  missingInput: { code: 'PW2001', severity: 'error', text: "the model has no 'input' line, e.g. 'input 224x224x3'" },
  noLayers: { code: 'PW2002', severity: 'error', text: 'the model has no layers' },
  channelMismatch: { code: 'PW2003', severity: 'error', text: 'channel mismatch: {0}' },
  shortcutMismatch: { code: 'PW2004', severity: 'error', text: "block '{0}' cannot add its shortcut: input {1} but output {2}" },
  shapeVanishes: { code: 'PW2005', severity: 'error', text: 'shape does not chain: {0}' },
  untilPastNetwork: { code: 'PW2006', severity: 'error', text: '{0}={1} is past the network: blocks are numbered 0 to {2}' },
  unknownUntil: { code: 'PW2007', severity: 'error', text: "{0}={1} names no block (use blockN or a block's name=)" },
  patchTooFine: { code: 'PW2008', severity: 'error', text: 'patch={0}x{1} is finer than the stage output {2}x{3}: some patches would be empty' },
  notPatchable: { code: 'PW2009', severity: 'error', text: "until={0} puts {1} in the patch stage; it needs the whole tensor, so the stage must end before block {2}" },
  emptyBlock: { code: 'PW2011', severity: 'error', text: "block '{0}' has no layers" },
  noTarget: { code: 'PW2012', severity: 'info', text: "no 'target' or 'budget' line: checking against {0}" },
  graphInStage: { code: 'PW2014', severity: 'error', text: 'until={0} puts {1} in the patch stage; a patch stage runs a chain of convolutions, pools and table activations, so it must end before block {2}' },
  stageTapped: { code: 'PW2015', severity: 'error', text: 'until={0} cuts a branch: {1} reads {2} from inside the patch stage, where only the stage output is kept whole; end the stage before block {3}' },
  stagesOverlap: { code: 'PW2016', severity: 'error', text: 'this stage reaches back to block {0}, but the previous schedule line already runs blocks {1} to {2}; start it after block {2} (from=block{3})' },
  cacheNoEffect: { code: 'PW2017', severity: 'warning', text: 'cache={0} on a grid of {1}: there is no patch {2} to share with, so nothing is cached' },
  stageAfterGlobal: { code: 'PW2018', severity: 'error', text: 'a patch stage from block {0} comes after {1} (block {2}), which leaves a 1×1 map: there is nothing to split' },
  fromAfterUntil: { code: 'PW2019', severity: 'error', text: 'from={0} is after until={1}: a stage runs blocks {2} to {3}, so from must not be later than until' },
  scheduleConflict: { code: 'PW2021', severity: 'error', text: '{0}' },
  fcNotLast: { code: 'PW2013', severity: 'warning', text: "'{0}' after 'fc' works on a 1x1 map; is that intended?" },
  unsupportedByRuntime: { code: 'PW4001', severity: 'error', text: 'the firmware runtime cannot run {0}' },
  stageOverBudget: { code: 'PW3001', severity: 'error', text: '{0}' },
  laterOverBudget: { code: 'PW3002', severity: 'error', text: '{0}' },
  flashOverBudget: { code: 'PW3003', severity: 'warning', text: 'the weights need {0} of flash > {1} ({2})' },
  noScheduleOverBudget: { code: 'PW3004', severity: 'warning', text: '{0}' },
  onnxUnreadable: { code: 'PW5001', severity: 'error', text: "cannot read '{0}': {1}" },
  onnxDecode: { code: 'PW5002', severity: 'error', text: 'not a readable ONNX model: {0}' },
  onnxMalformed: { code: 'PW5003', severity: 'error', text: 'malformed ONNX: {0}' },
  onnxCycle: { code: 'PW5004', severity: 'error', text: "the graph has a cycle through {0} node '{1}'" },
  onnxMissingValue: { code: 'PW5005', severity: 'error', text: "{0} node '{1}' reads '{2}', which no node, initializer or graph input gives" },
  onnxTooLarge: { code: 'PW5006', severity: 'error', text: "'{0}' has {1} elements (dims [{2}]); the limit is {3}" },
  onnxBadAttribute: { code: 'PW5007', severity: 'error', text: "attribute '{0}' of {1} node '{2}': {3}" },
  onnxUnsupportedOp: { code: 'PW5008', severity: 'error', text: "{0} node '{1}' is not supported yet{2}" },
  onnxShape: { code: 'PW5010', severity: 'error', text: "{0} node '{1}': {2}" },
  onnxInput: { code: 'PW5011', severity: 'error', text: 'the graph needs one image input and one output: {0}' },
  onnxDynamicDim: { code: 'PW5012', severity: 'error', text: "dimension {0} of input '{1}' is dynamic ('{2}'): give an 'input HxWxC' line (CLI: --input HxWxC)" },
  onnxApproximated: { code: 'PW5013', severity: 'warning', text: "{0} node '{1}': {2}" },
  onnxQuantization: { code: 'PW5016', severity: 'error', text: "{0} node '{1}': quantization: {2}" },
  onnxInputMismatch: { code: 'PW5015', severity: 'warning', text: "the 'input' line says {0} but the ONNX input is {1}: using the ONNX shape" },
  // 6xxx: resource limits (core/limits.ts, README "Resource limits").
  tensorTooLarge: { code: 'PW6001', severity: 'error', text: '{0} is {1} bytes; the limit is {2} bytes of int8 activations a tensor (no microcontroller holds more)' },
  weightsTooLarge: { code: 'PW6002', severity: 'error', text: 'the weights pass {1} bytes at {0}: the limit of a model' },
  macsTooMany: { code: 'PW6003', severity: 'error', text: 'the model needs {0}MAC an inference; the limit is {1}MAC' },
  tooManyLayers: { code: 'PW6004', severity: 'error', text: 'the model passes {0} layers here, the limit; the rest is not built' },
  textTooLarge: { code: 'PW6005', severity: 'error', text: 'the model text has {0} characters; the limit is {1}' },
  fileRefused: { code: 'PW6006', severity: 'error', text: "cannot read '{0}': {1}" },
  searchBounded: { code: 'PW6007', severity: 'warning', text: 'the schedule search stopped at its bound ({0}) after {1} of {2} candidates (split points up to block {3}); the best of those is shown' },
  inputFileUnreadable: { code: 'PW4050', severity: 'error', text: "cannot run on the input file '{0}': {1}" },
  // 7xxx: TFLite import (core/import/tflite).
  tfliteMalformed: { code: 'PW7001', severity: 'error', text: 'not a readable .tflite model: {0}' },
  tfliteUnsupportedOp: { code: 'PW7002', severity: 'error', text: "operator {0} ({1}) writing '{2}' is not supported{3}" },
  tfliteShape: { code: 'PW7003', severity: 'error', text: "operator {0} ({1}) writing '{2}': {3}" },
  tfliteTooLarge: { code: 'PW7004', severity: 'error', text: "tensor {0} '{1}' has dims [{2}]; the limit is {3}" },
  tfliteGraph: { code: 'PW7005', severity: 'error', text: 'the model needs one image input and one output: {0}' },
  tfliteReference: { code: 'PW7008', severity: 'error', text: "{0}: {1} (the reference cannot run this .tflite yet)" },
  tfliteInputMismatch: { code: 'PW7007', severity: 'warning', text: "the 'input' line says {0} but the .tflite input is {1}: using the .tflite shape" },
} satisfies Record<string, MessageTemplate>;

export type MessageId = keyof typeof messages;

export function diagnostic(id: MessageId, range: Range, ...args: (string | number)[]): Diagnostic {
  const template: MessageTemplate = messages[id];
  // Every argument is escaped (it may hold names from a file); 400 characters keep our own composed
  // sentences whole and a megabyte-long name short.
  const message = template.text.replace(/\{(\d+)\}/g, (_, i: string) => shown(String(args[Number(i)] ?? ''), 400));
  return { code: template.code, severity: template.severity, message, range };
}

export function rangeOf(line: number, start: number, end: number): Range {
  return { start: { line, character: start }, end: { line, character: end } };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
