"""Language identification of unlabelled code: each failure a third-party measurement found.

The excerpts are real code: Scheme, C#, C++, MATLAB and nginx from github-linguist/linguist's
samples (MIT), the others written the way they appear in chat answers. Every test runs the
real cues, the fitted combiner and (when installed) magika.
"""

from __future__ import annotations

import pytest

from contextd.domain.enums import ArtifactType
from contextd.pipeline.artifacts import (
    _langid,
    _magika,
    extract_artifacts,
    identify_language,
    langmodel,
    language_evidence,
)
from contextd.pipeline.types import Document

SCHEME = """\
(define (say . args)
  (for-each display args)
  (newline))

(define (gl-translate-pt p)
  (glTranslated (pt-x p) (pt-y p) 0.0))

(define (radians x) (* x (/ pi 180)))
"""

CSHARP = """\
using System;
using System.Collections.Generic;
using System.Linq;

namespace LittleSampleApp
{
  class Program
  {
    static void Main(string[] args)
    {
      Console.WriteLine("Hello, I am a little sample application.");
    }
  }
}
"""

CPP = """\
#include <iostream>
#include <vector>

int main() {
    std::vector<int> values{3, 1, 2};
    for (const auto& v : values) {
        std::cout << v << std::endl;
    }
    return 0;
}
"""

MATLAB = """\
function y = average(x)
% AVERAGE Mean of vector elements.
[m,n] = size(x);
if (~((m == 1) | (n == 1)) | (m == 1 & n == 1))
    error('Input must be a vector')
end
y = sum(x)/length(x);
"""

NGINX = """\
server {
  listen 80;
  listen 443 ssl;
  server_name example.com;

  ssl_certificate /srv/www/example.com/ssl/example.com.crt;
  ssl_certificate_key /srv/www/example.com/ssl/example.com.key;

  location / {
    proxy_pass http://127.0.0.1:8000;
    proxy_set_header Host $host;
  }
}
"""

HTTP_REQUEST = """\
POST /api/v1/users HTTP/1.1
Host: example.com
Content-Type: application/json
Authorization: Bearer <token>

{"name": "Ada", "email": "ada@example.com"}
"""

ROUTER_SESSION = """\
Router> enable
Router# configure terminal
Router(config)# interface GigabitEthernet0/1
Router(config-if)# ip address 192.168.1.1 255.255.255.0
Router(config-if)# no shutdown
Router(config-if)# end
Router# show ip interface brief
"""

POWERSHELL = """\
$sourceFolder = "C:\\Data\\Reports"
$destination = "D:\\Backup\\Reports"
if (-not (Test-Path $destination)) {
    New-Item -ItemType Directory -Path $destination | Out-Null
}
Get-ChildItem -Path $sourceFolder -Filter *.csv | ForEach-Object {
    Copy-Item $_.FullName -Destination $destination
}
"""

PROTOBUF = """\
syntax = "proto3";

message SearchRequest {
  string query = 1;
  int32 page_number = 2;
  repeated string tags = 3;
}
"""

C_ASSIGNMENTS = """\
int count = 0;
double total = 0;
for (int i = 0; i < n; i++) {
    total += values[i];
    count = count + 1;
}
printf("%f\\n", total / count);
"""


@pytest.mark.parametrize(
    ("code", "language"),
    [
        (SCHEME, "scheme"),
        (CSHARP, "csharp"),
        (CPP, "cpp"),
        (MATLAB, "matlab"),
        (NGINX, "nginx"),
        (HTTP_REQUEST, "http"),
        (POWERSHELL, "powershell"),
        (PROTOBUF, "protobuf"),
        (C_ASSIGNMENTS, "c"),
    ],
    ids=["scheme", "csharp", "cpp", "matlab", "nginx", "http", "powershell", "protobuf", "c"],
)
def test_language_of_unlabelled_code(code: str, language: str) -> None:
    assert identify_language(code) == language


@pytest.mark.parametrize("code", [SCHEME, CSHARP, CPP, MATLAB, NGINX, POWERSHELL, PROTOBUF])
def test_the_cues_alone_name_it_without_the_model(code: str) -> None:
    # magika's budget spent: the cues and the fitted combiner still answer.
    assert identify_language(code, use_model=False) == identify_language(code)


def test_the_protobuf_field_cue_does_not_fire_on_c_assignments() -> None:
    assert "protobuf" not in language_evidence(C_ASSIGNMENTS, use_model=False)[0]
    matlab = "x = 3;\ny = x * 2;\nz = [1 2 3];\n"
    assert "protobuf" not in language_evidence(matlab, use_model=False)[0]


def test_the_sql_type_word_cue_reads_capitals_only() -> None:
    # "is not null", "an integer" in another language's comments are prose, not SQL
    java = (
        "// returns an integer, or throws when the key is not null\n"
        "public int size(String key) {\n    return map.get(key).length();\n}\n"
    )
    assert "sql" not in language_evidence(java, use_model=False)[0]
    ddl = "  id INTEGER PRIMARY KEY,\n  name VARCHAR(40) NOT NULL,\n  owner INT REFERENCES users\n"
    assert language_evidence(ddl, use_model=False)[0].get("sql", 0.0) > 0


def test_a_router_session_is_not_a_shell_session() -> None:
    assert identify_language(ROUTER_SESSION) not in ("bash", "powershell", "batch")
    [artifact] = extract_artifacts(Document(text=f"```\n{ROUTER_SESSION}```\n", format="text"), [])
    assert artifact.type is ArtifactType.CODE
    assert artifact.content == ROUTER_SESSION.rstrip("\n")


REPL_SESSIONS = [
    (
        'iex(1)> Enum.map([1, 2, 3], fn x -> x * 2 end)\n[2, 4, 6]\niex(2)> String.upcase("hi")\n'
        '"HI"\n',
        "elixir",
    ),
    ("julia> x = [1, 2, 3]\n3-element Vector{Int64}:\n 1\n 2\n 3\n\njulia> sum(x)\n6\n", "julia"),
    (
        "scala> val xs = List(1, 2, 3)\nval xs: List[Int] = List(1, 2, 3)\n\nscala> xs.sum\n",
        "scala",
    ),
    ("ghci> let double x = x * 2\nghci> map double [1, 2, 3]\n[2,4,6]\n", "haskell"),
    ('irb(main):001:0> "hello".upcase\n=> "HELLO"\nirb(main):002:0> [1, 2].sum\n=> 3\n', "ruby"),
    ("user=> (map inc [1 2 3])\n(2 3 4)\nuser=> (reduce + [1 2 3])\n6\n", "clojure"),
    ("mysql> SELECT id, name FROM users;\n+----+------+\n| id | name |\n+----+------+\n", "sql"),
    ("shop=# select count(*) from orders;\n count\n-------\n    42\n(1 row)\n", "sql"),
    (">>> import math\n>>> math.sqrt(16)\n4.0\n", "python"),
    ("1> c(frequency).\n{ok,frequency}\n2> Pid = frequency:start().\n<0.86.0>\n", "erlang"),
    ("1> 'chapter1':start().\nhello\n<0.66.0>\n", "erlang"),
    ('# print_endline "hello";;\nhello\n- : unit = ()\n', "ocaml"),
    ("utop # List.map (fun x -> x * 2) [1; 2; 3];;\n- : int list = [2; 4; 6]\n", "ocaml"),
]


# A numbered prompt is erl's only before an Erlang call and its period: sqlcmd's `1> ` and a
# numbered note are not Erlang. A `# ` comment is no OCaml phrase without its `;;`.
NOT_REPLS = [
    "1> CREATE DATABASE TestDB\n2> GO\n",
    "1> The user sends a timestamp encrypted with a key derived from the password.\n",
    "# install the package first\napt-get install -y curl\n",
]


@pytest.mark.parametrize("text", NOT_REPLS)
def test_a_numbered_or_hash_line_alone_is_no_repl_prompt(text: str) -> None:
    assert identify_language(text) not in ("erlang", "ocaml")


@pytest.mark.parametrize(("session", "language"), REPL_SESSIONS)
def test_a_language_own_repl_prompt_names_it(session: str, language: str) -> None:
    """A REPL session is named by its prompt, and `iex(1)>` is no router's console."""
    assert identify_language(session, use_model=False) == language


def test_a_shell_session_that_starts_a_repl_stays_a_shell_session() -> None:
    assert identify_language("$ iex -S mix\niex(1)> MyApp.start()\n:ok\n") == "bash"


# zsh's `%` prompt, as macOS guides write it: a tool and its arguments, a program's path, or a
# tool alone followed by its output.
ZSH_SESSIONS = [
    "% brew install wget\n% brew services start postgresql\n",
    "% cd ~/src/app\n% ./configure --prefix=/usr/local\n% make\n",
    "% ./fetch.sh 20220104 1 2\n",
    "% which kind\n/opt/homebrew/bin/kind\n",
    "% printenv\n# or, without cluttering the terminal:\n% printenv | less\n",
]


@pytest.mark.parametrize("session", ZSH_SESSIONS)
def test_a_percent_prompt_before_a_command_is_a_shell_session(session: str) -> None:
    assert identify_language(session) == "bash"


# `%` opens a comment in Erlang, MATLAB and TeX: a block whose first line is such a comment was
# read as a zsh session (every file of Linguist's samples that opens with one: 26 of 26).
PERCENT_COMMENTS = [
    (
        "% words/1: how many words a binary holds\n\nwords(Bin) ->\n"
        '    Parts = binary:split(Bin, <<" ">>, [global, trim_all]),\n'
        "    length(Parts).\n",
        "erlang",
    ),
    (
        "% Compute the mean of each column\nfunction m = colmean(A)\n"
        "    m = sum(A, 1) ./ size(A, 1);\nend\n",
        "matlab",
    ),
]


@pytest.mark.parametrize(("code", "language"), PERCENT_COMMENTS)
def test_a_percent_comment_first_is_not_a_shell_prompt(code: str, language: str) -> None:
    assert identify_language(code) == language


def test_a_file_named_before_the_block_names_its_language() -> None:
    text = f"Put this in `nginx.conf`:\n\n```\n{NGINX}```\n"
    [artifact] = extract_artifacts(Document(text=text, format="text"), [])
    assert artifact.language == "nginx"


def test_an_intro_naming_a_file_settles_a_block_its_text_cannot() -> None:
    """TypeScript without annotations reads as JavaScript; the file it goes in says which."""
    code = "export function add(a, b) {\n  return a + b;\n}\n"
    intros = ["Save this as **src/add.ts**:", "Run this to test `add.py`:", None]
    shell = "npm test -- --watch\n"
    named = _langid.identify_languages([code, shell, code], intros=intros)
    assert named[0] == "typescript"
    assert named[1] == "bash"  # a shell block stays a shell block whatever file it names
    assert named[2] == _langid.identify_languages([code])[0]  # no intro: the text alone


def test_a_diff_stays_a_diff_whatever_file_its_intro_names() -> None:
    """The file a patch changes is what it applies to, not what it is written in."""
    patch = (
        "--- a/lib/app.ex\n+++ b/lib/app.ex\n@@ -1,3 +1,3 @@\n defmodule App do\n"
        "-  def hello, do: :world\n+  def hello, do: :there\n end\n"
    )
    assert _langid.identify_languages([patch], intros=["In `lib/app.ex`:"]) == ["diff"]


_SURE_AND_UNSURE = [
    "def main():\n    for path in sys.argv[1:]:\n        print(open(path).read())\n",
    "let rec fact n = if n = 0 then 1 else n * fact (n - 1)\nlet () = print_int (fact 5)\n",
    "proc fib n {\n    if {$n < 2} {return $n}\n"
    "    expr {[fib [expr {$n-1}]] + [fib [expr {$n-2}]]}\n}\n",
]


def test_magika_is_asked_exactly_when_the_cues_are_not_sure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The threshold comes with the weights (chosen out of fold by evals/train_langid.py).

    assert 0.0 < langmodel.sure_threshold() <= 1.01
    asked: list[str] = []
    real = _langid.model_scores

    def counting(sample: str) -> dict[str, float]:
        asked.append(sample)
        return real(sample)

    monkeypatch.setattr(_langid, "model_scores", counting)
    sure = []
    for block in _SURE_AND_UNSURE:
        scores = _langid.cue_scores(block)
        sure.append(langmodel.rank(scores, None, block)[0][1] >= langmodel.sure_threshold())
    _langid.identify_languages(_SURE_AND_UNSURE)
    if not _magika.available():
        assert asked == []
    else:
        assert [block not in asked for block in _SURE_AND_UNSURE] == sure
    assert True in sure and False in sure  # the examples cover both sides of the threshold


def test_a_superset_without_its_own_cue_falls_back_when_the_model_is_not_sure() -> None:
    # TypeScript with only JavaScript's cues, the model torn between the two: JavaScript.
    ranked = [("typescript", 0.5), ("javascript", 0.4), ("java", 0.1)]
    scores = {"javascript": 6.0, "typescript": 6.0}
    assert _langid.settle(ranked, scores, {"typescript": 0.3}) == "javascript"


def test_a_superset_the_model_is_sure_of_stands_without_its_own_cue() -> None:
    ranked = [("typescript", 0.9), ("javascript", 0.08), ("java", 0.02)]
    scores = {"javascript": 6.0, "typescript": 6.0}
    assert _langid.settle(ranked, scores, {"typescript": 0.3}) == "typescript"
    assert _langid.settle(ranked, scores, {"typescript": 1.01}) == "javascript"  # cue always needed


def test_a_superset_with_its_own_cue_stands_however_torn_the_model() -> None:
    ranked = [("cpp", 0.45), ("c", 0.44), ("java", 0.11)]
    assert _langid.settle(ranked, {"c": 4.0, "cpp": 7.0}, {"cpp": 1.01}) == "cpp"


def test_a_look_alike_without_a_base_gives_way_to_the_next_language() -> None:
    ranked = [("groovy", 0.5), ("java", 0.45), ("kotlin", 0.05)]
    assert _langid.settle(ranked, {"java": 3.0}, {"groovy": 0.2}) == "java"


def test_a_block_the_model_is_sure_of_gets_a_language_without_cues() -> None:
    # No cue reaches the minimum evidence, but the fitted model is sure: its answer stands.
    ranked = [("erlang", 0.97), ("elixir", 0.02), ("prolog", 0.01)]
    assert _langid._decide(ranked, {"erlang": 1.0}, {}) == "erlang"
    # Torn and without cues: no language, as before.
    ranked = [("erlang", 0.5), ("elixir", 0.4), ("prolog", 0.1)]
    assert _langid._decide(ranked, {"erlang": 1.0}, {}) is None


# No cue of their language fires, and the text model is sure enough to skip magika but not
# sure enough to answer alone: these got no language. Magika is asked and agrees. From
# WhatsApp/erlfmt's documentation (Apache-2.0).
THIN_BUT_AGREED = [
    (
        "A =\n    {B, C} =\n    case X of\n        true -> f();\n        _ -> g()\n    end.\n",
        "erlang",
    ),
    (
        "bar(Some, Very, Long, Arguments)\n    when is_tuple(X); is_list(X) ->\n    body.\n",
        "erlang",
    ),
]


@pytest.mark.skipif(not _magika.available(), reason="magika is not installed")
@pytest.mark.parametrize(("code", "language"), THIN_BUT_AGREED)
def test_a_block_without_cues_is_named_when_magika_agrees(code: str, language: str) -> None:
    evidence = _langid.gather_evidence(code)
    assert max(evidence.scores.values(), default=0.0) < _langid._MIN_SCORE
    assert evidence.asked_magika
    assert identify_language(code) == language


@pytest.mark.skipif(not _magika.available(), reason="magika is not installed")
def test_magika_that_disagrees_leaves_a_thin_block_without_a_language() -> None:
    """An SSH client configuration (Linguist's samples) reads to the text model as shell; magika
    does not say so: no language (with magika's say counted whatever it named, it became bash)."""
    config = (
        "# Router\nHost 192.168.1.1 tomato\n#Hostname tomato\nHostname 192.168.1.1\n"
        "IdentityFile ~/.ssh/tomato_rsa\nIdentitiesOnly yes\nUser root\n"
        "KexAlgorithms +diffie-hellman-group1-sha1\n"
    )
    evidence = _langid.gather_evidence(config)
    assert not evidence.asked_magika
    assert identify_language(config) is None


def test_dotted_keys_set_without_spaces_are_a_properties_file() -> None:
    """A shell cannot assign to `pg.enabled`; such a server.conf was read as Bash or Ruby."""
    conf = (
        "# disable the PostgreSQL wire protocol\npg.enabled=false\n"
        "line.tcp.enabled=false  # and line protocol\nhttp.security.readonly=true\n"
    )
    assert identify_language(conf) == "ini"
    # code that assigns attributes is not one: spaces, `;`, `self.`, a call
    assert identify_language("config.cache_classes = false\nconfig.eager_load = true\n") != "ini"
    assert identify_language("self.x=1\nself.y=2\n") != "ini"
    assert identify_language("a.b=c;\nd.e=f;\n") != "ini"
