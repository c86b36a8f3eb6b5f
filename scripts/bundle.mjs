// Bundles the CLI, the language server and the VS Code client into dist/ (one file each), and the
// panel scripts into media/dist/.
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };

await Promise.all([
  // serialport is a native module: loaded from node_modules at run time, never bundled.
  build({ ...common, entryPoints: ['server/src/cli.ts'], outfile: 'dist/cli.js', external: ['serialport'] }),
  build({ ...common, entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js', external: ['serialport'] }),
  build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] }),
  // The panel pages' scripts, one per panel, into media/dist/ (the only folder webviews may load
  // from): chart.js tree-shaken to the controllers each panel registers, minified, no source maps.
  build({
    entryPoints: ['media/src/memoryPanel.ts', 'media/src/overlapPanel.ts', 'media/src/schedulePanel.ts'],
    outdir: 'media/dist',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    minify: true,
    logLevel: 'warning',
  }),
]);
