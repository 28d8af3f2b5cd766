import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Built into dist/ and served by the local front door at http://127.0.0.1:8080/ (and by
// CloudFront on AWS). Nothing is fetched from a CDN at run time.
export default defineConfig({
  plugins: [react()],
  base: "./",
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 2000 },
  test: { environment: "jsdom", globals: true, include: ["src/**/*.test.ts"] },
});
