/**
 * A deep MobileNet-like .pnet model of about `layers` layers: a stem, mbconv blocks (3 layers
 * each) with five stride-2 stages spread over the depth, then pool and fc.
 */
export function generateDeepModel(layers: number): string {
  const lines = [`model deep-${layers}`, 'input 224x224x3', 'target stm32h743', '', 'conv out=16 k=3 s=2'];
  const blocks = Math.max(1, Math.floor((layers - 3) / 3));
  const channels = [16, 24, 32, 64, 96, 160];
  for (let b = 0; b < blocks; b++) {
    const stage = Math.min(5, Math.floor((b * 6) / blocks));
    const firstOfStage = b === 0 || Math.floor(((b - 1) * 6) / blocks) !== stage;
    const s = firstOfStage && stage > 0 ? 2 : 1;
    lines.push(`mbconv out=${channels[stage]} e=${b % 3 === 0 ? 6 : 4} k=${b % 2 ? 5 : 3} s=${s}`);
  }
  lines.push('pool global', 'fc out=1000');
  return lines.join('\n') + '\n';
}

/** `layers` alternating dwconv k=3 / conv k=1 lines on a 64×64×16 input: the deep chain of issue 15. */
export function chainOf(layers: number): string {
  const lines = ['model chain', 'input 64x64x16', 'target stm32f746'];
  for (let i = 0; i < layers; i++) lines.push(i % 2 ? 'conv out=16 k=1' : 'dwconv k=3');
  return lines.join('\n') + '\n';
}
