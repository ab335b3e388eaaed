import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

// Our folders replace electron-vite's default src/main, src/preload and src/renderer.
export default defineConfig({
  main: {
    // The codec worker is its own entry: the packaged app starts it as a plain worker thread (no tsx).
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/app/index.ts'),
          'codec-worker': resolve(__dirname, 'src-main/engine/jobs/codec-worker.ts'),
        },
      },
    },
  },
  preload: {
    // Sandboxed preloads must be CommonJS.
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    build: { rollupOptions: { input: { index: resolve(__dirname, 'src-renderer/index.html') } } },
    plugins: [vue()],
  },
});
