import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Served by the ledger's API process at /app (see backend/carbonledger/api/app.py).
// `npm run dev` proxies the API to a ledger on CARBONLEDGER_API (default :8000).
const api = process.env.CARBONLEDGER_API ?? "http://127.0.0.1:8000";
const routes = ["/auth", "/chain", "/members", "/standards", "/claims", "/audits", "/overlaps",
  "/settlements", "/public", "/health", "/openapi.json"];

export default defineConfig({
  base: "/app/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 2000 },
  server: { proxy: Object.fromEntries(routes.map((r) => [r, api])) },
});
