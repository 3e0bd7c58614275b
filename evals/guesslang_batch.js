// Name the language of each block of a JSON list with guesslang's model as VS Code ships it
// (@vscode/vscode-languagedetection): `node guesslang_batch.js PACKAGE_DIR IN.json OUT.json`
// writes, for each block, the model's [label, confidence] pairs, best first. Run by
// evals/guesslang.py; the package is installed by hand (see there), never by the project.
const path = require('path');
const fs = require('fs');
const { ModelOperations } = require(path.resolve(process.argv[2], 'dist/lib/index'));

(async () => {
  const blocks = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  // every block is answered, however short (the package skips under 20 characters by default)
  const model = new ModelOperations({ minContentSize: 0, maxContentSize: 100000 });
  const out = [];
  for (const block of blocks) {
    const result = await model.runModel(block);
    out.push(result.map((r) => [r.languageId, r.confidence]));
  }
  fs.writeFileSync(process.argv[4], JSON.stringify(out));
})();
