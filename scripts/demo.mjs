// `npm run demo`: the whole mission on the bundled MobileNetV2-0.35 (144×144). Analyse it, pick
// the schedule that fits the STM32F746 while leaving most of its SRAM to the application, generate
// the firmware, build it with arm-none-eabi-gcc and run it on QEMU's Cortex-M7; end with what the
// firmware measured against what Patchwise predicted.
import { execFileSync, spawnSync } from 'child_process';
import { copyFileSync, mkdirSync } from 'fs';

const cli = 'bin/patchwise';
const model = 'demo-output/mbv2-w0.35-r144.pnet';
const budget = '128KiB';

function step(title, args, { allowExit = [0] } = {}) {
  console.log(`\n━━ ${title}\n$ patchwise ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (!allowExit.includes(r.status)) process.exit(r.status ?? 1);
}

function have(tool) {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The Cortex-M toolchain and QEMU: installed when this machine can (root with apt), else how. */
function toolchain() {
  const missing = [];
  if (!have('arm-none-eabi-gcc')) missing.push('gcc-arm-none-eabi', 'libnewlib-arm-none-eabi');
  if (!have('qemu-system-arm')) missing.push('qemu-system-arm');
  if (missing.length === 0) return true;
  if (process.getuid?.() === 0 && have('apt-get')) {
    console.log(`\n━━ Installing ${missing.join(' ')} (apt-get)`);
    const ok = spawnSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`], { stdio: 'inherit' }).status === 0;
    if (ok) return true;
  }
  console.log(`\nThe firmware step needs ${missing.join(', ')}: install them (Debian: sudo apt-get install ${missing.join(' ')}), then run npm run demo again. Running the firmware on this machine's C compiler instead.`);
  return false;
}

mkdirSync('demo-output', { recursive: true });
copyFileSync('examples/mbv2-w0.35-r144.pnet', model);
step('1. Analyse it as shipped: the schedule in the file, against a budget of ' + budget, ['analyze', model, '--sram', budget], { allowExit: [0, 1] });
step(`2. Pick the schedule with the fewest MACs that fits ${budget} (the rest of the SRAM stays with the application)`, ['optimize', model, '--sram', budget, '--apply']);
step('3. The model with that schedule', ['analyze', model, '--sram', budget]);
const qemu = toolchain();
const args = ['firmware', model, ...(qemu ? ['--board', 'qemu-mps2-an500', '--run', 'qemu'] : ['--run', 'host']), '--out', `demo-output/firmware-${qemu ? 'qemu' : 'host'}`, '--json'];
console.log(`\n━━ 4. Generate, build and run the firmware ${qemu ? 'on QEMU\'s Cortex-M7 (mps2-an500, linked with the F746\'s 1 MiB / 320 KiB)' : 'on this machine'}\n$ patchwise ${args.join(' ')}`);
const out = execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const r = JSON.parse(out.trim().split('\n').pop());
const count = r.instructions !== undefined ? `, ${r.instructions.toLocaleString('en')} instructions (patch stage ${r.split.stage.toLocaleString('en')})` : '';
console.log(`\nchecksum ${r.checksum}: ${r.matchesReference ? 'the same bytes as the TypeScript reference' : `DIFFERENT from the reference ${r.referenceChecksum}`}${count}`);
console.log(`measured arena ${r.measuredArenaBytes} B vs predicted ${r.predictedArenaBytes} B (activation peak ${r.predictedPeakBytes} B + scratch ${r.scratchBytes} B)${r.stackBytes !== undefined ? `, stack ${r.stackBytes} B` : ''}`);
process.exit(r.matchesReference && r.measuredArenaBytes <= r.predictedArenaBytes ? 0 : 1);
