#!/usr/bin/env bash
# Score a checkout's language identification on the saved held-out sets (issue 14 part 3).
#
#   evals/score_heldout.sh CHECKOUT PAIRS_DIR        # PAIRS_DIR holds docs/fresh/fresh2/fresh3/fresh4/fresh5/rosetta.json
#   VERBOSE=1 evals/score_heldout.sh ...             # also the per-language tables
#   BASELINES=1 evals/score_heldout.sh ...           # also magika alone and pygments
#   GUESSLANG=DIR evals/score_heldout.sh ...         # also guesslang (evals/guesslang.py)
#   CONTEXT=1 evals/score_heldout.sh ...             # with the intro of each block (below)
#   DOCUMENT=1 evals/score_heldout.sh ...            # with each block's whole document (below)
#   PYTHON=..., EVAL=path/to/language_id.py          # defaults: this checkout's .venv, the eval beside
#
# Why: held-out figures mean something only when two versions of the code are scored on the
# very same blocks. The blocks are cut once (`language_id.py ... --save-pairs`, see
# evals/RESULTS.md "Held-out sets rebuilt; a second fresh set") and kept as JSON pairs; this
# scores CHECKOUT/src's `identify_languages` on each file present (docs, fresh, fresh2,
# rosetta), with one language_id.py for every checkout, so each is measured by the same eval
# code. Each run is a look at held-out data: choose nothing on it.
#
# CONTEXT=1 scores what a user gets: each block with the line of prose that introduces it
# (`language_id.py --with-context`, read from SET.before.json beside SET.json). Rosetta has no
# such sidecar (its wiki headers name the language): it is scored block-only, said so.
#
# DOCUMENT=1 also scores each block named together with every other fence of its document,
# all labels lost (`language_id.py --with-document`, read from SET.document.json, written by
# `--save-documents` at the cut; evals/document_sidecar.py). Rosetta's pieces are cut one a
# program file, from pages that hold a hundred languages: no document, block-only as above.
set -euo pipefail

if [[ $# -lt 2 || ! -d "$1/src/contextd" || ! -d "$2" ]]; then
  echo "usage: $0 CHECKOUT PAIRS_DIR   (CHECKOUT holds src/contextd)" >&2
  exit 2
fi
checkout=$(cd "$1" && pwd)
pairs_dir=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-$here/../.venv/bin/python}
# The eval code: EVAL if given, else the language_id.py beside this script.
eval_script=${EVAL:-$here/language_id.py}
baselines=--no-baselines
[[ -n ${BASELINES:-} ]] && baselines=
guesslang=()
[[ -n ${GUESSLANG:-} ]] && guesslang=(--guesslang "$GUESSLANG")

echo "checkout: $checkout ($(git -C "$checkout" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "pairs: $pairs_dir; eval: $eval_script; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for set in docs fresh fresh2 fresh3 fresh4 fresh5 rosetta; do
  pairs=$pairs_dir/$set.json
  [[ -f $pairs ]] || { echo "$set: no $pairs" >&2; continue; }
  context=()
  if [[ -n ${CONTEXT:-} ]]; then
    if [[ -f $pairs_dir/$set.before.json ]]; then
      context=(--with-context)
    else
      echo "$set: no $set.before.json, scored without context" >&2
    fi
  fi
  if [[ -n ${DOCUMENT:-} ]]; then
    if [[ -f $pairs_dir/$set.document.json ]]; then
      context+=(--with-document)
    else
      echo "$set: no $set.document.json, scored without its document" >&2
    fi
  fi
  if [[ -n ${VERBOSE:-} ]]; then
    echo "== $set"
    PYTHONPATH=$checkout/src nice -n 15 "$python" "$eval_script" --kind docs \
      --load-pairs "$pairs" $baselines "${context[@]}" "${guesslang[@]}"
    continue
  fi
  PYTHONPATH=$checkout/src nice -n 15 "$python" "$eval_script" --kind docs \
    --load-pairs "$pairs" $baselines "${context[@]}" "${guesslang[@]}" --json |
    "$python" -c '
import json, sys
name = sys.argv[1]
text = sys.stdin.read()
results = json.loads(text[text.index("["):])  # after the "skipped ..." line
for r in results:
    per, system, seconds = r["per_language"], r["system"], r["seconds"]
    n = sum(v[1] for v in per.values())
    accuracy, macro = r["accuracy"], r["macro"]
    print(f"{name:<8} {system:<22} {n:>5} blocks {len(per):>3} languages"
          f"  accuracy {accuracy:.3f}  macro {macro:.3f}  {seconds} s")
' "$set"
done
