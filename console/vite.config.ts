import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Built into dist/ and served by the local front door at http://127.0.0.1:8080/ (and by
// CloudFront on AWS). Nothing is fetched from a CDN at run time.
export default defineConfig({
  plugins: [react()],
  base: "./",
  build: {
    outDir: "dist",
    sourcemap: false,
    chunkSizeWarningLimit: 1024, // the component library's chunk (antd with its icons)
    // the libraries in chunks of their own: cached across releases of the console's code
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (!id.includes("node_modules")) return undefined;
          if (/node_modules\/(echarts|zrender)\//.test(id)) return "echarts";
          if (/node_modules\/(react|react-dom|scheduler)\//.test(id)) return "react";
          return "vendor";
        },
      },
    },
  },
  test: { environment: "jsdom", globals: true, include: ["src/**/*.test.ts"] },
});
