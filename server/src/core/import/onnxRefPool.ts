import { product } from './onnxGraph';
import { badShape, KernelContext, need, needType, onlyAttributes, unsupported } from './onnxKernel';
import { DType, Tensor, zeros } from './onnxTensor';
import { inPadding, pastEnd, tapsOf, windowOf } from './onnxWindow';

/**
 * Reference MaxPool (with the optional Indices output), AveragePool, GlobalAveragePool and
 * GlobalMaxPool over any number of spatial dims. Padding never wins a max; an average divides by the
 * taps inside the input, or with count_include_pad by the taps inside the padded input.
 */

const poolTypes: DType[] = ['float32', 'float64', 'uint8', 'int8'];

interface Pooled {
  x: Tensor;
  planes: number;
  inSize: number;
  outSize: number;
  kCount: number;
  taps: Int32Array;
  outDims: number[];
}

function pooling(ctx: KernelContext, extra: string[]): Pooled {
  onlyAttributes(ctx, ['auto_pad', 'ceil_mode', 'kernel_shape', 'pads', 'strides', ...extra]);
  const x = need(ctx, 0, 'X');
  needType(x, poolTypes, 'X');
  if (x.dims.length < 3) badShape(`X has dims [${x.dims.join(', ')}]; pooling needs [N, C, spatial…]`);
  const kernel = ctx.attrs.ints('kernel_shape');
  if (!kernel) return badShape("attribute 'kernel_shape' is missing");
  const win = windowOf(ctx, x.dims.slice(2), kernel, { ceil: ctx.attrs.int('ceil_mode', 0) !== 0 });
  return {
    x, planes: x.dims[0] * x.dims[1],
    inSize: product(win.inDims), outSize: product(win.outDims), kCount: product(kernel),
    taps: tapsOf(win), outDims: [x.dims[0], x.dims[1], ...win.outDims],
  };
}

export function maxPool(ctx: KernelContext): Tensor[] {
  const p = pooling(ctx, ['dilations', 'storage_order']);
  const storageOrder = ctx.attrs.int('storage_order', 0);
  const wantIndices = ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== '';
  if (wantIndices && storageOrder !== 0 && p.x.dims.length !== 4) unsupported(`storage_order ${storageOrder} with ${p.x.dims.length - 2} spatial dims (only 2-D)`);
  const y = zeros(p.x.dtype, p.outDims);
  const indices = zeros('int64', p.outDims);
  const [height, width] = [p.x.dims[2], p.x.dims[3]];
  for (let plane = 0; plane < p.planes; plane++) {
    for (let o = 0; o < p.outSize; o++) {
      let best = -Infinity;
      let arg = -1;
      for (let k = 0; k < p.kCount; k++) {
        const t = p.taps[o * p.kCount + k];
        // Strictly greater: the first maximum in row-major kernel order wins, as in onnxruntime.
        if (t >= 0 && p.x.data[plane * p.inSize + t] > best) {
          best = p.x.data[plane * p.inSize + t];
          arg = t;
        }
      }
      if (arg < 0) badShape('a window lies entirely in the padding');
      y.data[plane * p.outSize + o] = best;
      // Indices count over the whole flattened X; storage_order 1 is column-major within the plane.
      const inPlane = storageOrder === 0 ? arg : (arg % width) * height + Math.floor(arg / width);
      indices.data[plane * p.outSize + o] = plane * p.inSize + inPlane;
    }
  }
  return wantIndices ? [y, indices] : [y];
}

export function averagePool(ctx: KernelContext): Tensor[] {
  const p = pooling(ctx, ['count_include_pad']);
  needType(p.x, ['float32', 'float64'], 'X');
  const includePad = ctx.attrs.int('count_include_pad', 0) !== 0;
  const y = zeros(p.x.dtype, p.outDims);
  for (let plane = 0; plane < p.planes; plane++) {
    for (let o = 0; o < p.outSize; o++) {
      let sum = 0;
      let count = 0;
      for (let k = 0; k < p.kCount; k++) {
        const t = p.taps[o * p.kCount + k];
        if (t >= 0) {
          sum += p.x.data[plane * p.inSize + t];
          count++;
        } else if (t === inPadding && includePad) {
          count++;
        } else if (t !== inPadding && t !== pastEnd) {
          badShape(`tap table entry ${t}`);
        }
      }
      y.data[plane * p.outSize + o] = sum / count;
    }
  }
  return [y];
}

function globalPool(ctx: KernelContext, reduce: (values: ArrayLike<number>, from: number, count: number) => number): Tensor[] {
  onlyAttributes(ctx, []);
  const x = need(ctx, 0, 'X');
  needType(x, poolTypes, 'X');
  if (x.dims.length < 3) badShape(`X has dims [${x.dims.join(', ')}]; pooling needs [N, C, spatial…]`);
  const size = product(x.dims.slice(2));
  const y = zeros(x.dtype, [x.dims[0], x.dims[1], ...x.dims.slice(2).map(() => 1)]);
  for (let plane = 0; plane < x.dims[0] * x.dims[1]; plane++) y.data[plane] = reduce(x.data, plane * size, size);
  return [y];
}

export function globalAveragePool(ctx: KernelContext): Tensor[] {
  needType(need(ctx, 0, 'X'), ['float32', 'float64'], 'X');
  return globalPool(ctx, (v, from, count) => {
    let sum = 0;
    for (let i = from; i < from + count; i++) sum += v[i];
    return sum / count;
  });
}

export function globalMaxPool(ctx: KernelContext): Tensor[] {
  return globalPool(ctx, (v, from, count) => {
    let best = -Infinity;
    for (let i = from; i < from + count; i++) best = Math.max(best, v[i]);
    return best;
  });
}
