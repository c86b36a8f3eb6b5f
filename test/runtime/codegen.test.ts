import { strict as assert } from 'assert';
import * as os from 'os';
import { planArena } from '../../server/src/core/codegen/arenaPlan';
import { generateModelSources } from '../../server/src/core/codegen/generate';
import { analyzeText } from '../../server/src/core/engine';
import { fnv1aText, hex8 } from '../../server/src/core/quant/random';
import { quantizeModel } from '../../server/src/core/quant/params';
import { checkBaselines } from '../baselines';
import { readExample, repoRoot } from '../helpers';

function generate(example: string, schedule?: string) {
  const analysis = analyzeText(readExample(example), schedule !== undefined ? { schedule } : {});
  const qm = quantizeModel(analysis.model!);
  return generateModelSources(qm, analysis.report!, planArena(analysis.model!, analysis.report!), example);
}

describe('code generation', function () {
  this.timeout(120_000);
  it('matches the golden model.h, model.c and arena plan of the VWW example', () => {
    const files = Object.fromEntries(generate('vww-mbv1-0.25-96.pnet').files.map((f) => [f.path, f.content]));
    checkBaselines({
      'vww-mbv1-0.25-96.model.h': files['model.h'],
      'vww-mbv1-0.25-96.model.c': files['model.c'],
      'vww-mbv1-0.25-96.arena_plan.json': files['arena_plan.json'],
      // weights.c is large: its hash stands for it.
      'vww-mbv1-0.25-96.weights.fnv': `${hex8(fnv1aText(files['weights.c']))} ${files['weights.c'].length}\n`,
    });
  });

  it('is deterministic and names no absolute path or time', () => {
    const a = generate('mbv2-w0.35-r144.pnet');
    const b = generate('mbv2-w0.35-r144.pnet');
    assert.deepEqual(a.files, b.files);
    for (const f of a.files) {
      assert.ok(!f.content.includes(repoRoot) && !f.content.includes(os.tmpdir() + '/'), `${f.path} names a path`);
      assert.doesNotMatch(f.content, /20\d\d-\d\d-\d\d|\d\d:\d\d:\d\d/, `${f.path} has a date or time`);
    }
  });

  it('puts a /* block N: … */ comment above the calls of each block', () => {
    const files = generate('mobilenetv2.pnet').files;
    const model = files.find((f) => f.path === 'model.c')!.content;
    assert.match(model, /\/\* block 3: mbconv e6 k3 s1 \*\/\n\s+PW_RUN\(\d+, &s\[\d+\]\); \/\* block3\.expand \*\//);
    assert.match(model, /pw_status pw_model_run_stage\(int8_t \*arena, const int8_t \*input\)/);
    assert.match(model, /for \(int32_t p = 0; p < PW_PATCHES; p\+\+\)/);
    const header = files.find((f) => f.path === 'model.h')!.content;
    assert.match(header, /#define PW_PATCHES 16\n/);
    assert.match(header, /#define PW_PEAK_BYTES 175616\n/);
  });
});
