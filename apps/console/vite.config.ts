import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where the gateway serves the console; assets are linked under it. */
const BASE = '/console/';

export default defineConfig({
  base: BASE,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The gateway's CSP allows no inline script; browsers this console targets preload natively.
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  server: {
    // `pnpm dev`: the API of a gateway running locally, on the dev server's own origin.
    proxy: { '/v1': { target: 'http://localhost:3000', changeOrigin: false } },
  },
});
