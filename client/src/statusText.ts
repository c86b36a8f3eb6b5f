import type { StatusParams } from '../../server/src/protocol';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)}`;
const budget = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024}` : kib(bytes));
const mib = (bytes: number) => (bytes / 1048576).toFixed(2);

export interface StatusText {
  text: string;
  tooltip: string;
  /** Over the SRAM or the flash budget: the item is red. */
  over: boolean;
}

/**
 * The status bar's words for a model: `Peak 171.5 / 320 KiB`, and the flash beside it when the
 * weights do not fit (`Peak 171.5 / 320 KiB · Flash 3.38 / 1.00 MiB`): a model fits only when both do.
 */
export function statusText(status: StatusParams): StatusText {
  if (status.peakBytes === null || status.budgetBytes === null) {
    return { text: '$(warning) Peak: no model', tooltip: 'Patchwise cannot analyse this file yet: see the Problems panel.', over: false };
  }
  const flashOver = status.weightsBytes !== null && status.flashBytes !== null && status.weightsBytes > status.flashBytes;
  const over = !status.fits || flashOver;
  const flash = flashOver ? ` · Flash ${mib(status.weightsBytes!)} / ${mib(status.flashBytes!)} MiB` : '';
  const sram = `Peak activation memory ${kib(status.peakBytes)} KiB of a ${budget(status.budgetBytes)} KiB SRAM budget${status.fits ? '' : ' — over budget'}.`;
  const weights = status.weightsBytes !== null && status.flashBytes !== null
    ? ` Weights ${mib(status.weightsBytes)} MiB of ${mib(status.flashBytes)} MiB flash${flashOver ? ` — over by ${(status.weightsBytes / status.flashBytes).toFixed(1)}×: no firmware fits` : ''}.`
    : '';
  return { text: `${over ? '$(error) ' : ''}Peak ${kib(status.peakBytes)} / ${budget(status.budgetBytes)} KiB${flash}`, tooltip: `${sram}${weights} Click for the memory report.`, over };
}
