// Accepts the reports of the last test run as the new references (after reviewing the diff).
import { cpSync, existsSync, readdirSync } from 'fs';

const local = 'test/baselines/local';
if (!existsSync(local)) {
  console.error('no test/baselines/local: run npm test first');
  process.exit(2);
}
cpSync(local, 'test/baselines/reference', { recursive: true });
console.log(`accepted ${readdirSync(local).length} baselines into test/baselines/reference`);
