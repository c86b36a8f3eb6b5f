import { strict as assert } from 'assert';
import { analyzeOk } from '../helpers';

// The input patch the CLI, hover and overlap panel name is the largest one a patch really reads.
// With a 1×2 grid no patch has a halo on both sides: the interior-patch formula (20 columns here)
// named a patch that does not exist.
describe('the input patch of a schedule', () => {
  it('is the largest real patch, clipped at the input borders', () => {
    const { report } = analyzeOk('input 32x32x3\nconv out=8 k=3 s=1\nconv out=8 k=3 s=1\nschedule patch=1x2 until=block1\n');
    // Output columns 0-15 read columns 0-17 of the input (two 3×3 halos, on the right only); 16-31 read 14-31.
    assert.deepEqual(report.schedule!.inputPatch, [32, 18]);
  });

  it('is the interior patch when there is one (MobileNetV2 4×4 until block 4: 75×75)', () => {
    const text = 'input 224x224x3\nconv out=32 k=3 s=2\nmbconv out=16 e=1 k=3 s=1\nmbconv out=24 e=6 k=3 s=2 repeat=2\nmbconv out=32 e=6 k=3 s=2\nschedule patch=4x4 until=block4\n';
    assert.deepEqual(analyzeOk(text).report.schedule!.inputPatch, [75, 75]);
  });
});
