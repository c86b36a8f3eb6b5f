/** The Cortex-M7 clock of the STM32F746 boards (216 MHz from the 25 MHz HSE). */
const boardHz = 216e6;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/**
 * Time from a count: cycles on the board are a measurement; QEMU's instructions are not cycles, so
 * their time is an estimate at one instruction a cycle, and says so.
 */
export function timeText(report: Record<string, unknown>): string {
  const ms = (count: number) => `${((1000 * count) / boardHz).toFixed(count < boardHz / 100 ? 2 : 1)} ms`;
  if (typeof report.instructions === 'number') {
    return `${report.instructions.toLocaleString('en')} instructions (≈ ${ms(report.instructions)} at 216 MHz, estimated at one instruction a cycle)`;
  }
  if (report.cycles === null) return 'cycles not measured (no DWT in Renode)';
  if (typeof report.cycles === 'number') return `${report.cycles.toLocaleString('en')} cycles (${ms(report.cycles)} at 216 MHz)`;
  return `${String(report.runMicros)} µs on this machine`;
}

/** The result notification: the bytes, the arena in KiB as the memory chart has it (bytes beside), the time. */
export function resultText(report: Record<string, unknown>): string {
  const same = report.matchesReference ? 'the same bytes as the reference' : `DIFFERENT bytes from the reference (${String(report.checksum)} vs ${String(report.referenceChecksum)})`;
  const measured = Number(report.measuredArenaBytes);
  const predicted = Number(report.predictedArenaBytes);
  const arena = `arena ${kib(measured)} of ${kib(predicted)} predicted (${measured.toLocaleString('en')} of ${predicted.toLocaleString('en')} B)`;
  return `${String(report.model)} on ${String(report.board)}: ${same}; ${arena}; ${timeText(report)}.`;
}
