import { cacheModes } from '../language/ast';
import { Position } from '../language/diagnostics';
import { Model } from '../model/ir';
import { stageBlocker } from '../model/ops';
import { activations, isOpName, opNames, opSpecs } from '../language/syntax';
import { builtInTargets } from '../targets';
import { DocumentAnalysis } from './document';
import { CompletionItem } from './types';

const statements: CompletionItem[] = [
  { label: 'model', kind: 'keyword', detail: 'model NAME', documentation: "The model's name." },
  { label: 'input', kind: 'keyword', detail: 'input HxWxC [stream|sram]', documentation: 'The input tensor; streamed by default (not held in SRAM).' },
  { label: 'target', kind: 'keyword', detail: 'target NAME', documentation: 'A built-in MCU: ' + builtInTargets.map((t) => t.name).join(', ') },
  { label: 'budget', kind: 'keyword', detail: 'budget sram=SIZE flash=SIZE', documentation: 'Your own memory budget.' },
  { label: 'schedule', kind: 'keyword', detail: 'schedule patch=PxQ until=blockN', documentation: 'Run blocks 0..N patch by patch.' },
  { label: 'block', kind: 'keyword', detail: 'block NAME { … } [residual]', documentation: 'A user block of several ops, optionally with a shortcut.' },
];

const keyed: Record<string, string[]> = { schedule: ['patch', 'until', 'from', 'cache'], budget: ['sram', 'flash'] };

/** Completion for the word at `position`: statements, keys, and values (targets, blocks, …). */
export function doComplete(doc: DocumentAnalysis, position: Position): CompletionItem[] {
  const before = (doc.lines[position.line] ?? '').slice(0, position.character);
  if (before.includes('#')) return [];
  const words = before.trimStart().split(/[\s,]+/);
  if (words.length <= 1) {
    return [...opNames.map((op): CompletionItem => ({ label: op, kind: 'op', detail: opSpecs[op].doc, sortText: `0${op}` })), ...statements];
  }
  const head = words[0];
  const current = words[words.length - 1];
  const value = /^([A-Za-z]+)=(\S*)$/.exec(current);
  if (value) return valueCompletions(doc, head, value[1]);
  if (head === 'target') return builtInTargets.map((t) => ({ label: t.name, kind: 'target', detail: t.description }));
  if (head === 'input') return ['stream', 'sram'].map((label) => ({ label, kind: 'value' }));
  const used = new Set(words.slice(1, -1).map((w) => w.split('=')[0]));
  if (isOpName(head)) {
    const spec = opSpecs[head];
    const modes = spec.modes && !words.slice(1, -1).some((w) => spec.modes!.includes(w)) ? spec.modes.map((m): CompletionItem => ({ label: m, kind: 'value' })) : [];
    const keys = Object.entries(spec.keys)
      .filter(([key]) => !used.has(key))
      .map(([key, k]): CompletionItem => ({ label: `${key}=`, kind: 'key', detail: k.doc, insertText: `${key}=`, sortText: spec.required.includes(key) ? `0${key}` : `1${key}` }));
    return [...modes, ...keys];
  }
  return (keyed[head] ?? []).filter((k) => !used.has(k)).map((k) => ({ label: `${k}=`, kind: 'key', insertText: `${k}=` }));
}

function valueCompletions(doc: DocumentAnalysis, head: string, key: string): CompletionItem[] {
  switch (key) {
    case 'from':
    case 'until': {
      const model = doc.analysis.model;
      if (!model) return [];
      const named = model.blocks.filter((b) => b.name).map((b): CompletionItem => ({ label: b.name!, kind: 'block', detail: `block ${b.index}` }));
      const numbered = model.blocks.map((b): CompletionItem => ({
        label: `block${b.index}`,
        kind: 'block',
        detail: `${b.label} → ${b.output.h}×${b.output.w}×${b.output.c}`,
        sortText: String(b.index).padStart(6, '0'),
      }));
      return [...numbered, ...named, ...nodeCompletions(model)];
    }
    case 'patch': return ['2x2', '3x3', '4x4', '2x4', '4x2', '8x8'].map((label) => ({ label, kind: 'value' }));
    case 'cache': return cacheModes.map((label) => ({ label, kind: 'value' }));
    case 'act': return activations.map((label) => ({ label, kind: 'value' }));
    case 'k': return ['1', '3', '5', '7'].map((label) => ({ label, kind: 'value' }));
    case 's': return ['1', '2'].map((label) => ({ label, kind: 'value' }));
    case 'sram':
    case 'flash':
      return head === 'budget' ? ['64KiB', '128KiB', '256KiB', '320KiB', '512KiB', '1MiB', '2MiB'].map((label) => ({ label, kind: 'value' })) : [];
    default: return [];
  }
}

/**
 * An imported model's ONNX node names: the last node of every block a patch stage can end at
 * (`until=` takes a node name for its block).
 */
function nodeCompletions(model: Model): CompletionItem[] {
  return model.blocks.flatMap((b): CompletionItem[] => {
    const node = model.layers[b.endLayer - 1].node;
    if (node === undefined || stageBlocker(model, b.index)) return [];
    return [{ label: node, kind: 'block', detail: `ends the patch stage after block ${b.index} (${b.label})`, sortText: `1${String(b.index).padStart(6, '0')}` }];
  });
}
