"""Pair rules: between two close candidates, syntax only one of them has decides (`_pairs`).

Each rule is tested in both directions (the candidate's own syntax switches the answer to
it; the answer's own block keeps it), on a block that has both languages' syntax (the answer
stays), with a candidate beyond the margin, and on blocks of a third language.
"""

from __future__ import annotations

import pytest

from contextd.pipeline.artifacts import (
    PAIR_MARGIN,
    Evidence,
    decide_block,
    identify_language,
    pair_patterns,
)
from contextd.pipeline.artifacts._pairs import only_syntax, pair_answer

C = """#include <stdio.h>

int main(void) {
    int n = 3;
    printf("%d\\n", n);
    return 0;
}"""
CPP = """#include <vector>

int total(const std::vector<int>& xs) {
    int sum = 0;
    for (auto x : xs) sum += x;
    return sum;
}"""
OBJC = """@interface Greeter : NSObject
- (void)greet:(NSString *)name;
@end

@implementation Greeter
- (void)greet:(NSString *)name {
    NSLog(@"Hello, %@", name);
}
@end"""
TS = """function greet(name: string): string {
  return `Hello, ${name}`;
}"""
JS = """const greet = require('./greet');

function hello(name) {
  return `Hello, ${name}`;
}"""
SCSS = """$primary: #333;

.button {
  color: $primary;
  &:hover {
    color: red;
  }
}"""
CSS = """.button {
  color: #333;
}
.button:hover {
  color: red;
}"""
SWIFT = """func greet(_ name: String) -> String {
    guard !name.isEmpty else { return "" }
    return "Hello, \\(name)"
}"""
KOTLIN = """fun greet(name: String): String {
    val message = "Hello, $name"
    return message
}"""
SCALA = """object Greeter {
  def greet(name: String): String = s"Hello, $name"
}"""
JAVA = """public class Greeter {
    @Override
    public String toString() {
        return "Greeter";
    }
}"""
CSHARP = """using System;

public class Greeter
{
    public string Name { get; set; }
}"""
GROOVY = """def names = ['a', 'b']
names.each { name ->
    println "Hello, ${name}"
}"""
RUBY = """class Greeter
  attr_reader :name

  def initialize(name)
    @name = name
  end
end"""
ELIXIR = """defmodule Greeter do
  def greet(name) do
    "Hello, " <> name
  end
end"""
JULIA = """function greet(name::String)
    println("Hello, $name")
end"""
PYTHON = """def greet(name):
    if name:
        return f"Hello, {name}"
    return None"""
MATLAB = """% greet someone
function out = greet(name)
    out = ['Hello, ' name];
    disp(out);
end"""
FSHARP = """let greet name =
    printfn "Hello, %s" name

[<EntryPoint>]
let main argv = 0"""
OCAML = """let greet name =
  print_endline ("Hello, " ^ name)

let () = greet "world";;"""
SOLIDITY = """pragma solidity ^0.8.0;

contract Counter {
    uint256 public count;
    function inc() public {
        count += 1;
    }
}"""
GO = """package main

import "fmt"

func main() {
\tname := "world"
\tfmt.Println("Hello, " + name)
}"""
GRAPHQL = """query GetUser($id: ID!) {
  user(id: $id) {
    name
  }
}"""

# (the model's answer, a close candidate, a block of the candidate, a block of the answer)
CASES = [
    ("c", "cpp", CPP, C),
    ("c", "objective-c", OBJC, C),
    ("cpp", "objective-c", OBJC, CPP),
    ("objective-c", "cpp", CPP, OBJC),
    ("javascript", "typescript", TS, JS),
    ("css", "scss", SCSS, CSS),
    ("kotlin", "swift", SWIFT, KOTLIN),
    ("scala", "swift", SWIFT, SCALA),
    ("swift", "kotlin", KOTLIN, SWIFT),
    ("scala", "kotlin", KOTLIN, SCALA),
    ("java", "kotlin", KOTLIN, JAVA),
    ("swift", "scala", SCALA, SWIFT),
    ("kotlin", "scala", SCALA, KOTLIN),
    ("csharp", "java", JAVA, CSHARP),
    ("kotlin", "java", JAVA, KOTLIN),
    ("java", "csharp", CSHARP, JAVA),
    ("java", "groovy", GROOVY, JAVA),
    ("elixir", "ruby", RUBY, ELIXIR),
    ("ruby", "elixir", ELIXIR, RUBY),
    ("python", "julia", JULIA, PYTHON),
    ("matlab", "julia", JULIA, MATLAB),
    ("julia", "python", PYTHON, JULIA),
    ("julia", "matlab", MATLAB, JULIA),
    ("ocaml", "fsharp", FSHARP, OCAML),
    ("fsharp", "ocaml", OCAML, FSHARP),
    ("javascript", "solidity", SOLIDITY, JS),
    ("solidity", "javascript", JS, SOLIDITY),
    ("javascript", "java", JAVA, JS),
    ("java", "javascript", JS, JAVA),
    ("go", "swift", SWIFT, GO),
    ("swift", "go", GO, SWIFT),
    ("csharp", "c", C, CSHARP),
    ("c", "csharp", CSHARP, C),
    ("kotlin", "groovy", GROOVY, KOTLIN),
    ("groovy", "kotlin", KOTLIN, GROOVY),
    ("javascript", "fsharp", FSHARP, JS),
    ("fsharp", "javascript", JS, FSHARP),
    ("graphql", "swift", SWIFT, GRAPHQL),
    ("swift", "graphql", GRAPHQL, SWIFT),
    ("javascript", "swift", SWIFT, JS),
    ("swift", "javascript", JS, SWIFT),
    ("ruby", "julia", JULIA, RUBY),
    ("julia", "ruby", RUBY, JULIA),
    ("swift", "fsharp", FSHARP, SWIFT),
    ("fsharp", "swift", SWIFT, FSHARP),
    ("cpp", "java", JAVA, CPP),
]


def _ranked(answer: str, candidate: str, gap: float = 1.0) -> list[tuple[str, float]]:
    """A ranking with `candidate` `gap` nats below `answer` (the rest far below)."""
    import math

    top = 0.7
    return [(answer, top), (candidate, top / math.exp(gap)), ("tcl", 1e-6)]


def test_every_pair_of_the_rules_is_tested() -> None:
    tested = {(candidate, answer) for answer, candidate, _, _ in CASES}
    assert set(pair_patterns()) == tested


@pytest.mark.parametrize(("answer", "candidate", "theirs", "ours"), CASES)
def test_the_candidates_own_syntax_switches_the_answer(
    answer: str, candidate: str, theirs: str, ours: str
) -> None:
    assert pair_answer(answer, _ranked(answer, candidate), theirs) == candidate


@pytest.mark.parametrize(("answer", "candidate", "theirs", "ours"), CASES)
def test_the_answers_own_block_keeps_it(
    answer: str, candidate: str, theirs: str, ours: str
) -> None:
    assert pair_answer(answer, _ranked(answer, candidate), ours) == answer


@pytest.mark.parametrize(("answer", "candidate", "theirs", "ours"), CASES)
def test_syntax_of_both_keeps_the_answer_when_the_answer_has_a_rule(
    answer: str, candidate: str, theirs: str, ours: str
) -> None:
    both = ours + "\n\n" + theirs
    expected = answer if only_syntax(answer, candidate, ours) else candidate
    assert pair_answer(answer, _ranked(answer, candidate), both) == expected


@pytest.mark.parametrize(("answer", "candidate", "theirs", "ours"), CASES)
def test_a_candidate_beyond_the_margin_is_not_taken(
    answer: str, candidate: str, theirs: str, ours: str
) -> None:
    ranked = _ranked(answer, candidate, gap=PAIR_MARGIN + 1.0)
    assert pair_answer(answer, ranked, theirs) == answer


def test_a_third_language_is_not_touched() -> None:
    # Rust's `std::` is C++'s too: but no rule decides for Rust; Go's `func main() {` is
    # Swift's too, but none of Swift's own syntax against Go (`->`, `let`, `\\(`)
    rust = 'use std::collections::HashMap;\n\nfn main() {\n    println!("{}", 1);\n}'
    go = "func main() {\n    total = add(1, 2)\n}"
    assert pair_answer("rust", _ranked("rust", "cpp"), rust) == "rust"
    assert pair_answer("go", _ranked("go", "swift"), go) == "go"
    # nor a pair without a rule: Python's block with JavaScript close
    assert pair_answer("python", _ranked("python", "javascript"), JS) == "python"


def test_a_superset_settled_to_its_base_is_read_again() -> None:
    # TypeScript ranked first, settled to JavaScript for want of its cues: the rule reads
    # TypeScript's own syntax (a capitalized parameter type the cues do not know)
    block = "function area(shape: Shape) {\n  return shape.width * shape.height;\n}"
    ranked = [("typescript", 0.55), ("javascript", 0.44), ("go", 0.01)]
    assert pair_answer("javascript", ranked, block) == "typescript"


def test_negative_margin_turns_the_rules_off() -> None:
    assert pair_answer("c", _ranked("c", "cpp"), CPP, margin=-1.0) == "c"
    assert pair_answer(None, _ranked("c", "cpp"), CPP) is None


def test_decide_block_applies_the_rules_after_the_model() -> None:
    # C ranked first, C++ close, the block has `std::`: the one decision answers C++, and
    # with the rules off (the evals' replay) C
    evidence = Evidence(CPP, None, {"c": 9.0}, [("c", 0.7), ("cpp", 0.28), ("go", 0.02)], {})
    assert decide_block(evidence) == "cpp"
    assert decide_block(evidence, pair_margin=-1.0) == "c"


def test_javas_typed_declarations_beat_an_arrow_in_a_comment() -> None:
    # exercism's Java documentation writes results as `// => value`: not JavaScript's arrow
    block = "LocalDate date = LocalDate.of(2007, 12, 3);\n\ndate.plusDays(3);\n// => 2007-12-06"
    assert pair_answer("javascript", _ranked("javascript", "java"), block) == "java"
    assert not only_syntax("javascript", "java", block)


def test_preprocessor_lines_csharp_has_too_are_not_c_syntax() -> None:
    # C# has `#if`, `#endif`, `#define NAME`, `#pragma`; C's own: `#include`, `#ifdef`,
    # a `#define` with a value
    block = "#if DEBUG\nConsole.WriteLine(x);\n#endif"
    assert not only_syntax("c", "csharp", block)
    assert only_syntax("c", "csharp", "#define MAX 10\nint xs[MAX];")


def test_swifts_implicitly_unwrapped_optionals_are_not_graphql() -> None:
    block = "class Customer {\n    var card: CreditCard!\n    unowned let city: City!\n}"
    assert not only_syntax("graphql", "swift", block)
    assert only_syntax("graphql", "swift", "type User {\n  name: String!\n}")


def test_swifts_labelled_arguments_and_identity_operator() -> None:
    # `counter.increment(by: 5)` is Swift's, `$.ajax({url: x})` JavaScript's object; Swift
    # has `===` too, so it does not keep JavaScript
    assert only_syntax("swift", "javascript", "let counter = Counter()\ncounter.increment(by: 5)")
    assert not only_syntax("swift", "javascript", "$.ajax({url: src, async: false})")
    assert not only_syntax("javascript", "swift", "if a === b {\n    print(a)\n}")


def test_julias_bang_functions_but_not_rubys() -> None:
    julia = "if is_prime(n)\n    push!(primes, n)\nelseif n < 0\n    n = 0\nend"
    assert only_syntax("julia", "ruby", julia)
    # Ruby's `merge!` (bare, inside a method) is Ruby's as much as Julia's
    assert not only_syntax("julia", "ruby", "def update(opts)\n  merge!(opts)\nend")


def test_fsharps_dotnet_calls_ranges_and_record_fields() -> None:
    # OCaml's record fields are lower case, its functors' `Map.Make(String)` is no .NET call
    assert only_syntax("fsharp", "ocaml", "match Math.Sqrt(x * x + y * y) with\n| _ -> 0")
    assert only_syntax("fsharp", "ocaml", 'match rna[0..2] with\n| "AUG" -> Some rna[3..]')
    assert only_syntax("fsharp", "ocaml", "[ { RecordId = 3; ParentId = 0 } ]")
    assert not only_syntax("fsharp", "ocaml", "module M = Map.Make(String)\nlet r = { id = 3 }")


def test_ocamls_labels_extension_points_and_application_stages() -> None:
    # labelled arguments, ppx extension points, a `@@` pipeline of stages: none is F#'s
    assert only_syntax("ocaml", "fsharp", "let () =\n  Server.run ~port:8080 handler")
    assert only_syntax("ocaml", "fsharp", "let%lwt body = Server.body request in\nbody")
    assert only_syntax("ocaml", "fsharp", "let () =\n  Server.run\n  @@ Server.logger")
    # F#'s bitwise not `~~~`, a format's `[%d]` and FAKE's `@@` path operator inside a line
    assert not only_syntax("ocaml", "fsharp", "let flip x = ~~~x")
    assert not only_syntax("ocaml", "fsharp", 'printfn "Finished [%dms]" ms')
    assert not only_syntax("ocaml", "fsharp", '[ cacheDir @@ "uris" ]')


def test_an_ocaml_web_handler_is_ocaml_not_fsharp() -> None:
    # read as F# without the labelled argument and the `@@` stages (evals/RESULTS.md,
    # "Fourteenth pass": Dream's examples in the broader tuning set)
    handler = (
        "let () =\n  Server.run ~port:8080\n  @@ Server.logger\n  @@ Server.router [\n"
        '    Server.get "/" (fun _ -> Server.html "Hello");\n  ]'
    )
    assert identify_language(handler) == "ocaml"


def test_fsharp_against_swift_reads_then_and_records() -> None:
    assert only_syntax("fsharp", "swift", "if x = 5 then\n    true\nelif x > 7 then\n    false")
    # Swift's `async {` of a function signature is not F#'s computation expression
    assert not only_syntax("fsharp", "swift", "func fetch() async {\n    await load()\n}")


def test_scalas_interpolators_constructors_and_seqs_are_not_kotlin() -> None:
    # read as Kotlin by the model: an sttp request, a `new File(...)`, a `Seq(...)` of parts
    assert only_syntax("scala", "kotlin", 'val response = basicRequest.get(uri"https://x.org")')
    assert only_syntax("scala", "kotlin", 'val f = new File("/tmp/a")')
    assert only_syntax("scala", "kotlin", "body(Seq(part1, part2))")
    assert only_syntax("scala", "swift", 'println(s"total: $n")')
    # a word before a quote inside a string, a `new` in a comment's sentence, `newFile(`
    assert not only_syntax("scala", "kotlin", 'val s = "it says"')
    assert not only_syntax("scala", "kotlin", "// a new File is made\nval f = newFile(p)")


def test_javas_try_with_resources_is_not_cpp() -> None:
    sender = (
        'try (Sender sender = Sender.fromConfig("ws::addr=localhost:9000;")) {\n'
        '    sender.table("events").atNow();\n}'
    )
    assert only_syntax("java", "cpp", sender)
    assert not only_syntax("java", "cpp", "try {\n    run();\n} catch (const std::exception& e) {}")
