/** Byte sizes as users write them: `320KiB`, `1MiB`, `512kB` (= KiB, as in the MCU papers), `327680`. */
const sizeUnits: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 * 1024,
  mb: 1024 * 1024,
  mib: 1024 * 1024,
};

/** Bytes, or undefined when the text is not a size. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = sizeUnits[match[2].toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Number(match[1]) * unit;
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** `171.5 KiB` with one decimal; `formatKiB(1404928)` is `1372.0 KiB`. */
export function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** KiB below 1 MiB, else MiB: for flash figures. */
export function formatBytes(bytes: number): string {
  return Math.abs(bytes) >= 1024 * 1024 ? `${(bytes / 1048576).toFixed(2)} MiB` : formatKiB(bytes);
}

/** `300.8M`, `91.3M`, `12.5k`. */
export function formatMacs(macs: number): string {
  if (macs >= 1e9) return `${(macs / 1e9).toFixed(2)}G`;
  if (macs >= 1e6) return `${(macs / 1e6).toFixed(1)}M`;
  if (macs >= 1e3) return `${(macs / 1e3).toFixed(1)}k`;
  return String(macs);
}

/** `+30.6%` for 0.3059. */
export function formatPercent(ratio: number): string {
  const sign = ratio >= 0 ? '+' : '−';
  return `${sign}${Math.abs(ratio * 100).toFixed(1)}%`;
}

/** A budget as people write it: `128 KiB`, `320 KiB`, `1 MiB`, `96.5 KiB`. */
export function formatBudget(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return formatKiB(bytes);
}
