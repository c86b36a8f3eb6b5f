import fc from 'fast-check';

// The fuzzing suite's knobs. `npm test` gives each target a few seconds from a fixed seed;
// PATCHWISE_FUZZ_SECONDS=600 runs each one ten minutes, PATCHWISE_FUZZ_SEED=N another sequence, and
// PATCHWISE_FUZZ_CENSUS=1 does not stop at the first failure: it counts every failure by kind and
// prints the table (how the suite was run on the unfixed main for issue 15's note).

export const fuzzSeconds = Number(process.env.PATCHWISE_FUZZ_SECONDS ?? 3);
export const fuzzSeed = Number(process.env.PATCHWISE_FUZZ_SEED ?? 15);
export const census = process.env.PATCHWISE_FUZZ_CENSUS === '1';

/** A failure found by an oracle: its kind (what the census counts) and the detail to show. */
export interface Finding {
  kind: string;
  detail: string;
}

/**
 * Runs `check` on generated inputs for `seconds` (at least `minRuns` inputs). Normally a failing
 * input fails the test, shrunk by fast-check to a small case; in census mode every input runs and
 * the findings are counted by kind and returned.
 */
export async function fuzz<T>(name: string, arbitrary: fc.Arbitrary<T>, check: (input: T) => Promise<Finding | undefined> | Finding | undefined, options: { seconds?: number; minRuns?: number } = {}): Promise<{ runs: number; findings: Map<string, { count: number; example: string }> }> {
  const seconds = options.seconds ?? fuzzSeconds;
  const findings = new Map<string, { count: number; example: string }>();
  let runs = 0;
  const started = Date.now();
  const property = fc.asyncProperty(arbitrary, async (input) => {
    runs++;
    const found = await check(input);
    if (!found) return;
    if (!census) throw new Error(`${found.kind}: ${found.detail}`);
    const seen = findings.get(found.kind);
    if (seen) seen.count++;
    else findings.set(found.kind, { count: 1, example: found.detail.slice(0, 300) });
  });
  await fc.assert(property, { seed: fuzzSeed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false });
  const minRuns = options.minRuns ?? 1;
  if (runs < minRuns) throw new Error(`${name}: only ${runs} inputs in ${seconds} s (expected at least ${minRuns}): the target is too slow to fuzz`);
  if (census) {
    console.log(`\n  census ${name}: ${runs} inputs in ${((Date.now() - started) / 1000).toFixed(0)} s, ${[...findings.values()].reduce((n, f) => n + f.count, 0)} failing`);
    for (const [kind, f] of findings) console.log(`    ${String(f.count).padStart(6)}  ${kind}\n            e.g. ${JSON.stringify(f.example)}`);
  }
  return { runs, findings };
}

/** What an exception became: its class and first line, with numbers and quoted names taken out (the census groups by it). */
export function crashKind(where: string, error: unknown): Finding {
  const e = error as Error;
  const first = `${e?.name ?? 'Error'}: ${String(e?.message ?? error).split('\n')[0]}`;
  const at = /\n\s+at (\S+)/.exec(e?.stack ?? '')?.[1] ?? '?';
  return { kind: `${where} throws ${first.replace(/\d+/g, 'N').replace(/'[^']*'/g, "'…'").slice(0, 100)} (at ${at})`, detail: e?.stack ?? String(error) };
}

/** Characters no message may show raw: controls, DEL and C1, the line/paragraph separators, bidi controls. */
export const unsafeInMessage = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** A message that shows a value the code never meant to print. */
export const sloppyInMessage = /undefined|NaN|\[object /;
