import { Model } from '../model/ir';
import { macs as macsOf } from '../model/ops';
import { layerByLayer, Peak, StepMemory } from './memory';
import { evaluatePatchStage } from './patch';
import { evaluateStage, evaluateStream, StageResult, StageSpec, StreamResult, StreamSpec } from './stage';

/** The stages of a model's schedule lines, in network order. */
export function stageSpecs(model: Model): StageSpec[] {
  return (model.stages ?? []).map((s) => ({ fromBlock: s.fromBlock ?? 0, untilBlock: s.untilBlock, patch: s.patch, cache: s.cache ?? 'none' }));
}

/** The streamed runs of a model's schedule lines. */
export function streamSpecs(model: Model): StreamSpec[] {
  return (model.streams ?? []).map((s) => ({ fromBlock: s.fromBlock, untilBlock: s.untilBlock, band: s.band }));
}

/** A whole schedule: its stages and streamed runs, and the layers outside them run layer by layer. */
export interface PlanResult {
  stages: StageResult[];
  streams: StreamResult[];
  /** Layer-by-layer peak of the layers outside every stage (layer −1 when there are none). */
  outside: Peak;
  /** max(every stage peak, outside peak), and the layer where it is reached. */
  peakBytes: number;
  peakLayer: number;
  /** The whole network's MACs with the schedule. */
  macs: number;
  /** Largest scratch buffer of any step. */
  scratchBytes: number;
}

/**
 * Several stages, each with its own grid, split points and caches: each stage's peak counts its
 * held input (the previous layer's whole output), its output buffer, its caches and its largest
 * patch step; every other layer is a layer-by-layer step. MCUNetV2's single stage goes through
 * evaluatePatchStage, so its numbers are today's to the byte.
 */
export function evaluatePlan(model: Model, specs: readonly StageSpec[], steps: readonly StepMemory[] = layerByLayer(model), detail = true, streamed: readonly StreamSpec[] = []): PlanResult {
  const single = specs.length === 1 && specs[0].fromBlock === 0 && specs[0].cache === 'none';
  const stages: StageResult[] = single
    ? [{ ...evaluatePatchStage(model, specs[0].untilBlock, specs[0].patch, undefined, undefined, detail), cache: 'none', caches: { perLayer: new Float64Array(0), rowBytes: 0, colBytes: 0 } }]
    : specs.map((spec) => evaluateStage(model, spec, undefined, detail));
  const streams = streamed.map((spec) => evaluateStream(model, spec));
  const inStage = new Uint8Array(model.layers.length);
  for (const s of [...stages, ...streams]) inStage.fill(1, s.startLayer, s.endLayer);
  let outside: Peak = { bytes: 0, layer: -1 };
  let macs = 0;
  for (const layer of model.layers) macs += macsOf(layer);
  let scratch = 0;
  for (let i = 0; i < steps.length; i++) {
    if (inStage[i]) continue;
    if (steps[i].totalBytes > outside.bytes) outside = { bytes: steps[i].totalBytes, layer: i };
    scratch = Math.max(scratch, steps[i].scratchBytes);
  }
  let peakBytes = outside.bytes;
  let peakLayer = outside.layer;
  // Stages and streamed runs alike: their peak, where it is, their MACs and their scratch.
  const runs = [...stages.map((s) => ({ ...s, peakBytes: s.stagePeakBytes })), ...streams];
  for (const s of runs) {
    scratch = Math.max(scratch, s.scratchBytes);
    macs += s.macs - s.macsLayerByLayer;
    if (s.peakBytes > peakBytes || (s.peakBytes === peakBytes && s.peakLayer < peakLayer)) {
      peakBytes = s.peakBytes;
      peakLayer = s.peakLayer;
    }
  }
  return { stages, streams, outside, peakBytes, peakLayer, macs, scratchBytes: scratch };
}

