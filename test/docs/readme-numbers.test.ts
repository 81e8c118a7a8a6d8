// Benchmark figures are written once, by `npm run bench`, in docs/benchmarks.md: the README links to
// them and quotes none, so the two cannot disagree again.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/paths";

test("the README's Performance section links to docs/benchmarks.md and quotes no measured figure", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(
    readme.indexOf("\n## Performance\n"),
    readme.indexOf("\n## ", readme.indexOf("\n## Performance\n") + 1),
  );
  expect(section).toContain("[docs/benchmarks.md](docs/benchmarks.md)");
  expect(section.match(/\d+(\.\d+)? ?(s|ms|GiB|MiB|MB)\b/g)).toBeNull();
});
