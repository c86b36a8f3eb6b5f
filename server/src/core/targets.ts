/** An MCU's memories as the analysis sees them. */
export interface Target {
  name: string;
  /** Bytes of on-chip SRAM available to activations (all SRAM banks together). */
  sramBytes: number;
  /** Bytes of on-chip flash for weights and code. */
  flashBytes: number;
  description?: string;
}

const KiB = 1024;
const MiB = 1024 * 1024;

/** The MCUs of the MCUNetV2 paper. */
export const builtInTargets: readonly Target[] = [
  { name: 'stm32f746', sramBytes: 320 * KiB, flashBytes: 1 * MiB, description: 'Cortex-M7 216 MHz, 320 KiB SRAM, 1 MiB flash' },
  { name: 'stm32f412', sramBytes: 256 * KiB, flashBytes: 1 * MiB, description: 'Cortex-M4 100 MHz, 256 KiB SRAM, 1 MiB flash' },
  { name: 'stm32h743', sramBytes: 512 * KiB, flashBytes: 2 * MiB, description: 'Cortex-M7 480 MHz, 512 KiB SRAM, 2 MiB flash' },
];

/** When a model names neither `target` nor `budget`. */
export const defaultTarget: Target = builtInTargets[0];

export function findTarget(name: string): Target | undefined {
  return builtInTargets.find((t) => t.name === name.toLowerCase());
}
