/**
 * Fast convolution gradients for training on CPU backends. tfjs-wasm has no Conv2DBackpropFilter kernel and a slow
 * Conv2DBackpropInput (~14x Conv2D), so for stride-1 'same' NHWC convolutions (all of ours) the gradient is
 * re-expressed with kernels that wasm does fast:
 *   dW = im2col(x)ᵀ · dy       (9 shifted slices concatenated, one matMul)
 *   dx = conv2d(dy, W rotated 180° with in/out swapped, 'same')
 * Other convolutions keep tfjs's own gradient. Registered once per process by registerFastConvGradients().
 */
import { tf } from '../model/tf.js';

type Conv2DAttrs = { strides: number | [number, number]; pad: unknown; dataFormat: string; dilations: number | [number, number] };

const ones = (v: number | [number, number]) => (Array.isArray(v) ? v.every((x) => x === 1) : v === 1);

/** dW for a stride-1 'same' convolution with an odd kernel kh x kw. */
export function filterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, cin] = x.shape;
    const cout = dy.shape[3];
    const ph = (kh - 1) / 2;
    const pw = (kw - 1) / 2;
    const padded = kh === 1 && kw === 1 ? x : tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]]);
    const cols: tf.Tensor4D[] = [];
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) cols.push(tf.slice(padded, [0, ky, kx, 0], [n, h, w, cin]));
    const patches = tf.reshape(cols.length === 1 ? cols[0]! : tf.concat(cols, 3), [n * h * w, kh * kw * cin]);
    return tf.reshape(tf.matMul(patches, tf.reshape(dy, [n * h * w, cout]), true, false), [kh, kw, cin, cout]);
  });
}

/** dx for a stride-1 'same' convolution: a convolution with the kernel rotated 180° and in/out swapped. */
export function inputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(dy, tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D, 1, 'same'));
}

/**
 * Conv2DBackpropFilter for backends that lack it (wasm), in plain JavaScript. Only the fused linear convolutions of
 * tfjs-layers reach it (their custom gradient calls the kernel directly); every other convolution takes the fast path
 * above. Stride 1, 'same' or 'valid', NHWC.
 */
function registerFilterGradientKernel(backendName: string): void {
  if (tf.getKernel('Conv2DBackpropFilter', backendName)) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as { filterShape: [number, number, number, number]; strides: number | [number, number]; pad: unknown };
      const [kh, kw, cin, cout] = a.filterShape;
      if (!ones(a.strides) || (a.pad !== 'same' && a.pad !== 'valid')) throw new Error('Conv2DBackpropFilter: only stride 1, same/valid');
      const [n, h, w] = x.shape as [number, number, number, number];
      const [, oh, ow] = dy.shape as [number, number, number, number];
      const b = backend as unknown as { readSync(id: unknown): Float32Array; makeOutput?(s: number[], d: string): tf.TensorInfo };
      const X = b.readSync(x.dataId), DY = b.readSync(dy.dataId);
      const ph = a.pad === 'same' ? (kh - 1) >> 1 : 0;
      const pw = a.pad === 'same' ? (kw - 1) >> 1 : 0;
      const out = new Float32Array(kh * kw * cin * cout);
      for (let bi = 0; bi < n; bi++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) {
        const dyo = ((bi * oh + y) * ow + xx) * cout;
        for (let ky = 0; ky < kh; ky++) {
          const sy = y + ky - ph;
          if (sy < 0 || sy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const sx = xx + kx - pw;
            if (sx < 0 || sx >= w) continue;
            const xo = ((bi * h + sy) * w + sx) * cin;
            const wo = (ky * kw + kx) * cin * cout;
            for (let ci = 0; ci < cin; ci++) {
              const xv = X[xo + ci]!;
              const row = wo + ci * cout;
              for (let co = 0; co < cout; co++) out[row + co]! += xv * DY[dyo + co]!;
            }
          }
        }
      }
      const dataId = (backend as unknown as { write(v: Float32Array, s: number[], d: string): unknown }).write(out, a.filterShape, 'float32');
      return { dataId, shape: a.filterShape, dtype: 'float32' } as tf.TensorInfo;
    },
  });
}

let registered = false;

export function registerFastConvGradients(): void {
  if (registered) return;
  registered = true;
  registerFilterGradientKernel('wasm');
  const original = tf.getGradient('Conv2D');
  if (!original) throw new Error('tfjs has no Conv2D gradient to extend');
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as unknown as Conv2DAttrs;
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const [kh, kw] = filter.shape;
      if (!(ones(a.strides) && ones(a.dilations) && a.pad === 'same' && a.dataFormat === 'NHWC' && kh % 2 === 1 && kw % 2 === 1)) {
        return original.gradFunc(dy, saved, attrs);
      }
      const g = dy as tf.Tensor4D;
      return { x: () => inputGradient(g, filter), filter: () => filterGradient(x, g, kh, kw) };
    },
  });
}
