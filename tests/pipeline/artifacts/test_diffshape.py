"""A diff is named by its shape; other languages' lists and comments are not diffs."""

from __future__ import annotations

import pytest

from contextd.pipeline.artifacts._diffshape import is_diff
from contextd.pipeline.artifacts._langid import identify_language

GIT_PATCH_OF_ELIXIR = """\
diff --git a/lib/app.ex b/lib/app.ex
index 3b18e51..a9c2f0d 100644
--- a/lib/app.ex
+++ b/lib/app.ex
@@ -1,5 +1,6 @@ defmodule App do
 defmodule App do
-  def hello, do: :world
+  def hello(name) do
+    "hello #{name}"
+  end
 end
"""

UNIFIED_OF_YAML = """\
--- config.yml\t2024-01-01 10:00:00
+++ config.yml\t2024-01-02 10:00:00
@@ -2,3 +2,3 @@
 services:
-  - web
+  - api
   - db
\\ No newline at end of file
"""

CONTEXT_FORMAT = """\
*** old.sh\t2024-01-01
--- new.sh\t2024-01-02
***************
*** 1,3 ****
  set -e
! echo start
  make
--- 1,3 ----
  set -e
! echo begin
  make
"""

BARE_HUNK = """\
@@
-from typing import List
+from collections.abc import Sequence
 def f(xs: List[int]) -> int:
"""

DOCS_STYLE = """\
export default defineConfig({
  plugins: [
    remix({
-      serverBuildDirectory: "dist/server",
-      assetsBuildDirectory: "dist/client",
+      buildDirectory: "dist",
    })
  ],
});
"""


@pytest.mark.parametrize(
    "patch", [GIT_PATCH_OF_ELIXIR, UNIFIED_OF_YAML, CONTEXT_FORMAT, BARE_HUNK, DOCS_STYLE]
)
def test_a_patch_is_a_diff_whatever_language_it_changes(patch: str) -> None:
    assert is_diff(patch)
    assert identify_language(patch, use_model=False) == "diff"


NEAR_MISSES = {
    "yaml list": "fruits:\n  - apple\n- banana\n- cherry\n",
    "yaml documents": "--- # first\nname: a\n--- # second\n- item\n- other\n",
    "markdown list": "- first point\n- second point\n- third point\n",
    "sql comments": "-- users\nSELECT * FROM users;\n-- orders\nSELECT 1;\n",
    "haskell comments": "-- | Sum.\nsum' :: [Int] -> Int\nsum' = foldr (+) 0\n-- end\n",
    "lua comments": "-- setup\nlocal x = 1\n--[[ block ]]\nprint(x)\n",
    "elixir concatenation": "list = [1, 2]\n++ [3]\n++ [4]\n",
    "bash options": "ls \\\n  -la \\\n  --color\n",
    "objective-c methods": "@interface A\n- (void)run;\n+ (instancetype)shared;\n@end\n",
    "julia operators": "+(a::V, b::V) = V(a.x + b.x)\n-(a::V, b::V) = V(a.x - b.x)\n",
    "ascii table": "+----+----+\n| a  | b  |\n+----+----+\n",
    "brainfuck legend": "+ : increment the cell\n- : decrement the cell\n++[>+<-]\n",
    "pug mixins": "- const name = 'Bob'\n+greet(name)\n+footer\n",
    "signed numbers": "+0 == -0     # => true\n+1 == 1\n",
    "only removals": "- old line one\n- old line two\n",
    "markdown plus bullets": "--- Milestones ---\n\n+ First working version\n+ Output arguments\n"
    "- Fortran 90\n",
}


@pytest.mark.parametrize("text", NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
def test_lists_comments_and_operators_are_not_diffs(text: str) -> None:
    assert not is_diff(text)
