import { Activation, OpName } from './ast';

/** How a key's value is read. `int` values are checked against min/max. */
export type ValueKind = 'int' | 'act' | 'size' | 'grid' | 'word';

export interface KeySpec {
  kind: ValueKind;
  min?: number;
  max?: number;
  /** One line for completion and hover. */
  doc: string;
}

export interface OpSpec {
  keys: Record<string, KeySpec>;
  required: string[];
  /** Accepted positional words (stored under the key `mode`). */
  modes?: string[];
  doc: string;
}

export const activations: readonly Activation[] = ['relu', 'relu6', 'none'];

const name: KeySpec = { kind: 'word', doc: 'a name for the block, usable in until=' };
const inChannels: KeySpec = { kind: 'int', min: 1, doc: 'input channels, checked against the previous layer' };
const act: KeySpec = { kind: 'act', doc: 'activation: relu, relu6 or none' };
const stride: KeySpec = { kind: 'int', min: 1, max: 16, doc: 'stride' };
const kernel: KeySpec = { kind: 'int', min: 1, max: 15, doc: 'kernel size k×k' };
const pad: KeySpec = { kind: 'int', min: 0, max: 15, doc: 'zero padding per side (default k/2, rounded down)' };
const repeat: KeySpec = { kind: 'int', min: 1, max: 1000, doc: 'blocks made from this line; only the first applies the stride' };

/** The ops of the language and their keys (DESIGN.md §2). */
export const opSpecs: Record<OpName, OpSpec> = {
  conv: {
    keys: { out: { kind: 'int', min: 1, doc: 'output channels' }, k: kernel, s: stride, pad, groups: { kind: 'int', min: 1, doc: 'channel groups' }, act, name, in: inChannels, repeat },
    required: ['out'],
    doc: 'convolution k×k (default k=1), stride s, one block',
  },
  dwconv: {
    keys: { k: kernel, s: stride, pad, act, name, in: inChannels, repeat },
    required: [],
    doc: 'depthwise convolution k×k (default k=3), one filter per channel, runs in place',
  },
  mbconv: {
    keys: { out: { kind: 'int', min: 1, doc: 'output channels' }, e: { kind: 'int', min: 1, max: 64, doc: 'expansion ratio (1: no expand conv)' }, k: kernel, s: stride, act, name, in: inChannels, repeat },
    required: ['out'],
    doc: 'inverted residual: expand 1×1 → depthwise k×k → project 1×1, shortcut when s=1 and channels match',
  },
  pool: {
    keys: { k: { kind: 'int', min: 1, max: 64, doc: 'window size' }, s: stride, pad, name, repeat },
    required: [],
    modes: ['global', 'avg', 'max'],
    doc: 'pooling: `pool global` averages each channel to 1×1; `pool avg|max k= s=` a window',
  },
  fc: {
    keys: { out: { kind: 'int', min: 1, doc: 'output features' }, act, name, in: inChannels },
    required: ['out'],
    doc: 'fully connected layer on the flattened input',
  },
};

/** Statements other than ops, for completion and error messages. */
export const statementKeywords = ['model', 'input', 'target', 'budget', 'schedule', 'block'] as const;

export const opNames = Object.keys(opSpecs) as OpName[];

export function isOpName(text: string): text is OpName {
  return Object.prototype.hasOwnProperty.call(opSpecs, text);
}
