import { strict as assert } from 'assert';
import { statusText } from '../../client/src/statusText';

// The status bar counts flash as well as SRAM: MobileNetV2 fits 320 KiB with its schedule, but
// its 3.38 MiB of weights do not fit 1 MiB of flash, so the item is red and says so.

const base = { uri: 'file:///m.pnet', version: 1, hasErrors: false };

describe('status bar text', () => {
  it('is neutral when the peak and the weights fit', () => {
    const s = statusText({ ...base, peakBytes: 175616, budgetBytes: 327680, fits: true, weightsBytes: 500_000, flashBytes: 1048576 });
    assert.deepEqual([s.text, s.over], ['Peak 171.5 / 320 KiB', false]);
    assert.match(s.tooltip, /Weights 0\.48 MiB of 1\.00 MiB flash\./);
  });

  it('is red and names the flash when the weights do not fit, though the peak does', () => {
    const s = statusText({ ...base, peakBytes: 175616, budgetBytes: 327680, fits: true, weightsBytes: 3_541_000, flashBytes: 1048576 });
    assert.deepEqual([s.text, s.over], ['$(error) Peak 171.5 / 320 KiB · Flash 3.38 / 1.00 MiB', true]);
    assert.match(s.tooltip, /over by 3\.4×: no firmware fits/);
  });

  it('is red when the peak is over the SRAM budget', () => {
    const s = statusText({ ...base, peakBytes: 441856, budgetBytes: 327680, fits: false, weightsBytes: 1000, flashBytes: 1048576 });
    assert.deepEqual([s.text, s.over], ['$(error) Peak 431.5 / 320 KiB', true]);
  });
});
