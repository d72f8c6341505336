import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTypescript,
  {
    ignores: [
      ".next/**",
      ".data/**",
      "node_modules/**",
      "lib/generated/**",
      "test-results/**",
      "playwright-report/**",
      "bench/results/**",
      "next-env.d.ts",
    ],
  },
  {
    // The simulator and seeder serve scripts, benchmarks and tests; the product never ships them.
    files: ["app/**", "lib/**", "components/**", "proxy.ts", "instrumentation.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@/tools/*", "**/tools/*"], message: "tools/ is for scripts, bench and tests, not the app." }] },
      ],
    },
  },
];

export default config;
