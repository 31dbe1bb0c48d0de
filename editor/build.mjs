// Bundles src/editor.mjs and the CodeMirror packages it imports (versions pinned in
// package.json and package-lock.json) into one minified file the wheel ships, and writes
// the licence of every package that went into it beside it.
//
//   cd editor && npm ci && npm run build
//
// The output in publisher/web/static/editor/ is committed: serving, testing and CI need no npm.
import { build } from "esbuild";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const out = "../publisher/web/static/editor";
const result = await build({
  entryPoints: ["src/editor.mjs"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "none",
  metafile: true,
  outfile: `${out}/editor.js`,
});

const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.add(match[1]);
}
const sections = [...packages].sort().map((name) => {
  const folder = join("node_modules", name);
  const { version, license } = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
  const file = ["LICENSE", "LICENSE.md", "LICENSE.txt"].map((f) => join(folder, f)).find(existsSync);
  if (!file) throw new Error(`${name} ships no licence file`);
  return `${name} ${version} (${license})\n\n${readFileSync(file, "utf8").trim()}\n`;
});
writeFileSync(
  `${out}/THIRD-PARTY-LICENSES.txt`,
  "editor.js bundles these packages (built by editor/build.mjs):\n\n" +
    sections.join("\n" + "-".repeat(72) + "\n\n"),
);
console.log(`editor.js: ${[...packages].sort().join(", ")}`);
