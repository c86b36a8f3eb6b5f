import { elements, QLayer } from '../../server/src/core/quant/qmodel';
import { GraphTag } from './graphKernelDriver';

// One layer of a quantized model as a record of the graph-kernel driver: the C call the firmware
// will make for it, on the bytes of its sources. Undefined for the layers the older kernels run
// (pool, gpool without a rescale, fc, a conv with the fused shortcut add).

const join = (parts: (number | ArrayLike<number>)[]) => parts.filter((p) => typeof p === 'number' || p.length > 0).map((p) => (typeof p === 'number' ? String(p) : Array.from(p).join(' '))).join(' ');

/** Window fields of pw_window_params (and the output size), then weights, bias and the rule's multipliers. */
function windowRecord(tag: number, q: QLayer, x: Int8Array): string {
  const l = q.layer;
  const onnx = q.rule === 'onnx';
  const multipliers = onnx ? new Int32Array(Float32Array.from(q.floatMultiplier!).buffer) : q.multiplier;
  const shifts = onnx ? new Int32Array(l.output.c) : q.shift;
  return join([tag, l.input.h, l.input.w, l.input.c, l.output.c, l.groups, l.rows.k, l.cols.k, l.rows.s, l.cols.s, l.rows.p, l.cols.p, q.input.zeroPoint, q.output.zeroPoint, q.actMin, q.actMax, onnx ? 1 : 0, l.output.h, l.output.w, q.weights.length, q.weights, q.bias, multipliers, shifts, x]);
}

export function layerRecord(q: QLayer, inputs: readonly Int8Array[]): string | undefined {
  const l = q.layer;
  const [x, y] = inputs;
  const { h, w, c } = l.output;
  const broadcast = (b: Int8Array) => (b.length === c && h * w > 1 ? 1 : 0);
  switch (l.kind) {
    case 'conv':
      return l.writesShortcut ? undefined : windowRecord(GraphTag.ConvWindow, q, x);
    case 'dwconv':
      return l.writesShortcut ? undefined : windowRecord(GraphTag.DwconvWindow, q, x);
    case 'convT':
      return windowRecord(GraphTag.ConvTranspose, q, x);
    case 'add': {
      const a = q.add!;
      return join([GraphTag.Add, h, w, c, a.conv.zeroPoint, a.residual.zeroPoint, a.leftShift, a.convMultiplier, a.convShift, a.residualMultiplier, a.residualShift, a.outputMultiplier, a.outputShift, q.output.zeroPoint, q.actMin, q.actMax, broadcast(y), 0, x, y]);
    }
    case 'mul': {
      const [qa, qb] = q.inputs!;
      return join([GraphTag.Mul, h, w, c, qa.zeroPoint, qb.zeroPoint, q.mul!.multiplier, q.mul!.shift, q.output.zeroPoint, q.actMin, q.actMax, broadcast(y), 0, x, y]);
    }
    case 'concat': {
      const parts = inputs.flatMap((part, s) => {
        const r = q.concat?.[s];
        const from = q.inputs?.[s] ?? q.input;
        return [part.length / (h * w), r ? 1 : 0, ...(r ? [from.zeroPoint, q.output.zeroPoint, r.multiplier, r.shift] : []), part];
      });
      return join([GraphTag.Concat, h, w, c, inputs.length, ...parts]);
    }
    case 'resize': {
      const r = l.resize ?? { mode: 'nearest', alignCorners: false, halfPixelCenters: false };
      return join([GraphTag.Resize, l.input.h, l.input.w, l.input.c, h, w, r.mode === 'bilinear' ? 1 : 0, r.alignCorners ? 1 : 0, r.halfPixelCenters ? 1 : 0, x]);
    }
    case 'pad':
      return join([GraphTag.Pad, l.input.h, l.input.w, l.input.c, l.rows.p, l.cols.p, q.padValue ?? q.input.zeroPoint, h, w, x]);
    case 'act':
      return join([q.table!.length === 256 ? GraphTag.Lut : GraphTag.LutChannels, h, w, c, q.table!, x]);
    case 'softmax':
      return join([GraphTag.Softmax, l.softmaxMap ? 1 : h * w, l.softmaxMap ? h * w * c : c, q.softmax!.inputMultiplier, q.softmax!.inputLeftShift, q.softmax!.diffMin, x]);
    case 'pool':
    case 'gpool': {
      if (!q.mean) return undefined;
      return join([GraphTag.Mean, l.input.h, l.input.w, l.input.c, h, w, q.input.zeroPoint, q.mean.multiplier, q.mean.shift, q.output.zeroPoint, q.actMin, q.actMax, x]);
    }
    default:
      return undefined;
  }
}

/** Bytes of a layer's output (what the driver prints for its record). */
export const outputBytes = (q: QLayer) => elements(q.layer.output);
