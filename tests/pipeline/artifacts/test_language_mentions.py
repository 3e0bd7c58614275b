"""The prose before a block names its language: "Here's the TypeScript version:" (`_mentions`)."""

from __future__ import annotations

from contextd.pipeline.artifacts import extract_artifacts, identify_languages
from contextd.pipeline.artifacts._mentions import mentioned_language, mentions, named_languages
from contextd.pipeline.types import Document

# Plain JavaScript, which TypeScript may also be: the text model reads it as JavaScript.
UNTYPED = """function greet(name) {
  const message = `Hello, ${name}!`;
  console.log(message);
  return message;
}

greet("world");"""

# C, and C++ as well: the model reads it as C (0.97 to 0.02).
C_FUNCTION = """int sum(const int *values, int count) {
    int total = 0;
    for (int i = 0; i < count; i++) {
        total += values[i];
    }
    return total;
}"""

PYTHON = """def greet(name):
    message = f"Hello, {name}!"
    print(message)
    return message


greet("world")"""


def _named(text: str) -> list[str]:
    return [language for _, language in mentions(text)]


def test_names_are_capitalized_whole_words() -> None:
    assert _named("Here's the TypeScript version:") == ["typescript"]
    assert _named("the Python equivalent of this JavaScript:") == ["python", "javascript"]
    assert _named("### C++") == ["cpp"]
    assert _named("In C# and F#, records compare by value") == ["csharp", "fsharp"]
    assert _named("Objective-C code") == ["objective-c"]
    # "Java" is not named by "JavaScript", nor a language by a lowercase word
    assert _named("JavaScript only") == ["javascript"]
    assert _named("a rust-free python tutorial") == []


def test_short_names_need_a_code_ish_context() -> None:
    assert _named("Go to the settings page and click Save.") == []
    assert _named("Plan C is to wait.") == []
    assert _named("See R. Smith's paper.") == []
    assert _named("In Go, errors are values:") == ["go"]
    assert _named("A C program that sums the numbers:") == ["c"]
    assert _named("the R code for the plot:") == ["r"]
    assert _named("**Go:**") == ["go"]
    assert _named("### C") == ["c"]


def test_the_reach_is_the_last_paragraph() -> None:
    context = "Some words about Python.\n\nThe same function in TypeScript:"
    assert named_languages(context) == frozenset({"typescript"})
    assert named_languages("## TypeScript\n\nUnlike Python, this one\n\nis shorter:") == (
        frozenset()
    )
    assert named_languages("Some words.\n\n### C++\n") == frozenset({"cpp"})


def test_a_named_close_candidate_wins() -> None:
    ranked = [("javascript", 0.94), ("typescript", 0.034), ("java", 0.013)]
    assert mentioned_language("javascript", ranked, frozenset({"typescript"})) == "typescript"
    # the decided language is named too: it stays
    named = frozenset({"python", "javascript"})
    assert mentioned_language("javascript", ranked, named) == "javascript"
    # a named language the model rules out does not win
    assert mentioned_language("javascript", ranked, frozenset({"haskell"})) == "javascript"
    # nor does a name give a language to a block that reads as no code
    assert mentioned_language(None, ranked, frozenset({"typescript"})) is None


def test_the_typescript_version_of_an_untyped_function() -> None:
    assert identify_languages([UNTYPED]) == ["javascript"]
    intro = "Here's the TypeScript version:"
    assert identify_languages([UNTYPED], intros=[intro]) == ["typescript"]
    assert identify_languages([C_FUNCTION]) == ["c"]
    assert identify_languages([C_FUNCTION], intros=["The same in C++:"]) == ["cpp"]


def test_another_language_named_does_not_flip_a_block() -> None:
    intro = "Here is the Python equivalent of this JavaScript:"
    assert identify_languages([UNTYPED], intros=[intro]) == ["javascript"]
    assert identify_languages([PYTHON], intros=["The TypeScript version is longer:"]) == ["python"]


def test_artifacts_read_the_prose_before_a_fence() -> None:
    text = (
        "## Greeting\n\nThe TypeScript greeting, with a template string.\n"
        "It logs and returns the message:\n\n```\n" + UNTYPED + "\n```\n"
    )
    drafts = extract_artifacts(Document(text=text, format="markdown"), [])
    assert [draft.language for draft in drafts] == ["typescript"]


def test_a_named_superset_takes_its_base_language_beyond_the_margin() -> None:
    # Untyped JavaScript is TypeScript and CSS is SCSS: the model's gap cannot separate them,
    # so the prose's name decides however far the superset is ranked below its base.
    far = [("javascript", 0.99), ("typescript", 0.0005), ("python", 0.0001)]
    assert mentioned_language("javascript", far, frozenset({"typescript"})) == "typescript"
    css = [("css", 0.995), ("scss", 0.0002)]
    assert mentioned_language("css", css, frozenset({"scss"})) == "scss"
    # A language that is not a superset of the answer still needs the margin...
    assert mentioned_language("javascript", far, frozenset({"python"})) == "javascript"
    # ...and the base named over a superset the block was answered as never wins.
    typed = [("typescript", 0.99), ("javascript", 0.009)]
    assert mentioned_language("typescript", typed, frozenset({"javascript"})) == "typescript"
