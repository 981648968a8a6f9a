// Builds the dashboard to dist/renderer (scripts/build.mjs). Relative asset URLs (base './') so the same bundle
// loads from the gateway at `/` (headless) and from a file:// URL or custom scheme in Electron.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: `${root}/../dist/renderer`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // The contract lives in main/contract (shared with main and preload).
    fs: { allow: [`${root}/..`] },
  },
});
