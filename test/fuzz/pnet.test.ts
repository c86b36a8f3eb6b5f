import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { repoRoot } from '../helpers';
import { crashKind, Finding, fuzz, fuzzSeconds } from './fuzzing';
import { checkPnet } from './pnetOracle';
import { mutatedPnet, pnetText } from './pnetGen';

// Fuzzing .pnet input (issue 15): generated and mutated files through the engine and the editor
// services in process, and through the CLI as a user runs it (a child process with a deadline and a
// memory cap, so that a hang or an unbounded read is seen as one instead of taking the machine).

describe('fuzz: .pnet files', function () {
  this.timeout(fuzzSeconds * 1000 * 4 + 120_000);

  it('generated files: no crash, diagnostics in place, sizes refused or run', async () => {
    await fuzz('generated .pnet', pnetText, checkPnet, { minRuns: 20 });
  });

  it('mutated files: the same', async () => {
    await fuzz('mutated .pnet', mutatedPnet, checkPnet, { minRuns: 20 });
  });

  describe('through the CLI', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-fuzz-'));
      spawnSync('mkfifo', [path.join(dir, 'fifo.onnx')]);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('analyze, optimize and reference end in time with an exit code of 0, 1 or 2 and no stack trace', async () => {
      // Deep chains test the linear paths and the search bound; `from` names special files.
      const longRun = fuzzSeconds >= 60;
      const chain = fc.integer({ min: 500, max: longRun ? 100_000 : 3000 }).map((n) => {
        const lines = ['model deep', 'input 32x32x8', 'budget sram=1MiB flash=64MiB'];
        for (let i = 0; i < n; i++) lines.push(i % 2 ? 'conv out=8 k=1' : 'dwconv k=3');
        return lines.join('\n') + '\n';
      });
      const fromSpecial = fc.tuple(fc.constantFrom('/dev/zero', '/dev/urandom', 'fifo.onnx', '.', 'missing.onnx'), fc.constantFrom('', 'input 8x8x3\n')).map(([f, input]) => `model m from "${f}"\n${input}`);
      const input = fc.tuple(fc.oneof({ arbitrary: mutatedPnet, weight: 6 }, { arbitrary: chain, weight: 1 }, { arbitrary: fromSpecial, weight: 1 }), fc.constantFrom('analyze', 'optimize', 'reference'));
      let n = 0;
      await fuzz('CLI', input, ([text, command]) => runCli(dir, `m${n++}.pnet`, text, command), { seconds: Math.max(fuzzSeconds, 2), minRuns: 3 });
    });
  });
});

/** One CLI run: under `ulimit -v` (3 GB) and a 60 s deadline; a finding for a hang, a signal or a trace. */
function runCli(dir: string, name: string, text: string, command: string): Finding | undefined {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  const bin = path.join(repoRoot, 'bin', 'patchwise');
  const run = spawnSync('sh', ['-c', 'ulimit -v 3000000; exec "$0" "$@"', process.execPath, bin, command, file], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
  fs.rmSync(file);
  const what = `${command} of ${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}… (${text.split('\n').length} lines)` : text)}`;
  if (run.error || run.signal === 'SIGKILL') return { kind: `${command} does not end within 60 s`, detail: what };
  if (run.signal || run.status === null || run.status > 2) return { kind: `${command} dies (${run.signal ?? `status ${run.status}`})`, detail: `${what}\n${run.stderr.slice(0, 400)}` };
  if (/\n\s+at /.test(run.stderr)) {
    const error = Object.assign(new Error(/^\w*Error: (.*)$/m.exec(run.stderr)?.[1] ?? run.stderr.split('\n')[0]), { name: /^(\w*Error):/m.exec(run.stderr)?.[1] ?? 'Error', stack: run.stderr.slice(run.stderr.search(/^\w*Error:/m)) });
    return { ...crashKind(command, error), detail: `${what}\n${run.stderr.slice(0, 600)}` };
  }
  return undefined;
}
