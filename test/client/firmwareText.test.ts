import { strict as assert } from 'assert';
import { resultText, timeText } from '../../client/src/firmwareText';

// The firmware result says each figure once, in the memory chart's unit (KiB, bytes beside), and a
// time: measured from cycles on the board, estimated (and labelled so) from QEMU's instructions.
describe('firmware result text', () => {
  const report = { model: 'vww', board: 'qemu-mps2-an500', matchesReference: true, measuredArenaBytes: 30300, predictedArenaBytes: 30300, instructions: 4_320_000 };

  it('gives the arena in KiB with the bytes, and an estimated time at 216 MHz from instructions', () => {
    assert.equal(resultText(report), 'vww on qemu-mps2-an500: the same bytes as the reference; arena 29.6 KiB of 29.6 KiB predicted (30,300 of 30,300 B); 4,320,000 instructions (≈ 20.0 ms at 216 MHz, estimated at one instruction a cycle).');
  });

  it('gives cycles as a measured time, and says when Renode could not count them', () => {
    assert.equal(timeText({ cycles: 216_000_000 }), '216,000,000 cycles (1000.0 ms at 216 MHz)');
    assert.equal(timeText({ cycles: null }), 'cycles not measured (no DWT in Renode)');
    assert.equal(timeText({ runMicros: 812 }), '812 µs on this machine');
  });
});
