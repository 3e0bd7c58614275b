"""Lay out a documentation report set of `language_id.py --kind docs` (nothing committed).

Held-out sets for naming unlabelled code: labelled fences of public documentation (cheat
sheets, language tutorials, API docs, style guides), closer to what people paste than Rosetta
Code's task solutions. Nothing here was tuned on: no cue, weight or threshold was chosen with
them. Two sets (`--set`), their repositories below; commits and licences in
`evals/data/doc_fences/SOURCES.md`. Each is read from a git directory you already have (the
`fetch` tool gives one), only its Markdown:

    python evals/build_doc_fences.py --set docs --out /tmp/langcorp/docs --mirror /work/.mirror
    python evals/language_id.py --kind docs --per-file 3 --per-source 15 --per-language 40 \\
        --corpus /tmp/langcorp/docs/*

`fresh` is a second set, built after `docs` had been looked at, from repositories used
nowhere else (neither by `docs` nor by the training corpora of `train_langid.py`). `fresh2`
is a third, built after `fresh` had been read for a choice: 56 repositories of READMEs,
guides, cookbooks and style guides, used nowhere else either (not in the other sets, the
training corpora, the artifacts eval's documents, nor `/work/wt/langfit-repos.txt`), cut like
`fresh` (the cut and the list were committed before any score). `fresh3` is a fourth, built
after every other set had been printed many times: 59 repositories used nowhere else, cut
the same way and committed before its one score. `fresh4`, a fifth, was built once fresh3 had
been read for defects: 50 more such repositories, cut and committed before its one score;
`fresh5`, a sixth, likewise once fresh4 had been read too (39 more). Git
directories may also be given one by one (`GITDIR...`), named `<owner>+<name>/repo` (the
`fetch` layout); the document tree goes to `OUT/<owner>+<name>/`.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

SETS = {
    "docs": [
        "rstacruz/cheatsheets",
        "Codecademy/docs",
        "codewars/docs",
        "TheRenegadeCoder/sample-programs-website",
        "scala/docs.scala-lang",
        "ocaml/ocaml.org",
        "erlang/eep",
        "fsharp/fslang-design",
        "seancorfield/next-jdbc",
        "PowerShell/PowerShell-Docs",
        "haskell/haskell-language-server",
    ],
    "fresh": [
        "iluwatar/java-design-patterns",
        "rust-lang/rust-by-example",
        "uber-go/guide",
        "AnthonyCalandra/modern-cpp-features",
        "Kotlin/KEEP",
        "swiftlang/swift-evolution",
        "laravel/docs",
        "lydiahallie/javascript-questions",
        "phoenixframework/phoenix",
        "dylanaraps/pure-bash-bible",
        "microsoft/TypeScript-Website",
        "dart-lang/site-www",
        "PoshCode/PowerShellPracticeAndStyle",
        "30-seconds/30-seconds-of-code",
        "enochtangg/quick-SQL-cheatsheet",
        "zedr/clean-code-python",
        "thangchung/clean-code-dotnet",
        "uohzxela/clean-code-ruby",
        "compose-spec/compose-spec",
        "ryanmcdermott/clean-code-javascript",
    ],
    "fresh2": [
        "absinthe-graphql/absinthe",
        "airbnb/swift",
        "astral-sh/uv",
        "babashka/babashka",
        "cashapp/sqldelight",
        "cfug/dio",
        "commercialhaskell/stack",
        "csstools/postcss-plugins",
        "DaveGamble/cJSON",
        "denysdovhan/wtfjs",
        "docker-library/docs",
        "echasnovski/mini.nvim",
        "elixir-ecto/ecto",
        "faker-ruby/faker",
        "fortran-lang/fortran-lang.org",
        "fortran-lang/stdlib",
        "fsprojects/fantomas",
        "gibbok/typescript-book",
        "gin-gonic/gin",
        "graphql/graphql-spec",
        "grpc/grpc.io",
        "gruntwork-io/terragrunt",
        "hotwired/stimulus",
        "Huachao/vscode-restclient",
        "JetBrains/compose-multiplatform",
        "JuliaData/DataFrames.jl",
        "kadenzipfel/smart-contract-vulnerabilities",
        "kubernetes/ingress-nginx",
        "MassTransit/MassTransit",
        "metosin/reitit",
        "mybatis/mybatis-3",
        "nvim-telescope/telescope.nvim",
        "NYTimes/objective-c-style-guide",
        "oban-bg/oban",
        "pointfreeco/swift-composable-architecture",
        "PowerShell/platyPS",
        "prometheus/docs",
        "quartznet/quartznet",
        "rrousselGit/freezed",
        "SAFE-Stack/docs",
        "sass/sass",
        "satwikkansal/wtfpython",
        "simolus3/drift",
        "Sobeston/zig.guide",
        "softwaremill/tapir",
        "spatie/laravel-medialibrary",
        "spatie/laravel-permission",
        "StackExchange/Dapper",
        "stylelint-scss/stylelint-scss",
        "stylelint/stylelint",
        "terraform-aws-modules/terraform-aws-eks",
        "theicfire/makefiletutorial",
        "thephpleague/commonmark",
        "tokio-rs/website",
        "traefik/traefik",
        "trimstray/nginx-admins-handbook",
    ],
    "fresh3": [
        "angrave/SystemProgramming",
        "anordal/shellharden",
        "astral-sh/ruff",
        "changkun/modern-cpp-tutorial",
        "cpp-best-practices/cppbestpractices",
        "crytic/building-secure-contracts",
        "csswizardry/CSS-Guidelines",
        "curl/everything-curl",
        "dart-lang/build",
        "detekt/detekt",
        "dfinke/ImportExcel",
        "docker/awesome-compose",
        "elixirschool/elixirschool",
        "encode/starlette",
        "erlang/rebar3",
        "firebase/flutterfire",
        "fluentassertions/fluentassertions",
        "fsprojects/Argu",
        "getify/You-Dont-Know-JS",
        "go-gorm/gorm.io",
        "goldbergyoni/nodebestpractices",
        "googleapis/api-linter",
        "immutables/immutables.github.io",
        "inaka/erlang_guidelines",
        "jdhitsolutions/PSScriptTools",
        "jenkinsci/pipeline-examples",
        "JuliaLang/Pkg.jl",
        "JuliaPlots/Plots.jl",
        "kodecocodes/objective-c-style-guide",
        "kodecocodes/swift-style-guide",
        "Kotlin/kotlinx-datetime",
        "kowainik/relude",
        "luarocks/lua-style-guide",
        "mkdocs/mkdocs",
        "OpenFeign/feign",
        "phpstan/phpstan",
        "polarmobile/coffeescript-style-guide",
        "practicalli/clojure",
        "progrium/bashstyle",
        "prometheus-operator/prometheus-operator",
        "ReactiveX/rxdart",
        "realworldocaml/book",
        "resilience4j/resilience4j",
        "ruricolist/serapeum",
        "rust-unofficial/patterns",
        "scala-js/scala-js-website",
        "Seldaek/monolog",
        "spf13/viper",
        "stevearc/conform.nvim",
        "swiftlang/swift-book",
        "terraform-google-modules/terraform-google-kubernetes-engine",
        "tigerbeetle/tigerbeetle",
        "tweag/linear-base",
        "typeorm/typeorm",
        "wojtekmach/req",
        "yesodweb/yesodweb.com-content",
        "you-dont-need/You-Dont-Need-JavaScript",
        "Zaid-Ajaj/Fable.Remoting",
        "ziglang/www.ziglang.org",
    ],
    "fresh4": [
        "apple/swift-argument-parser",
        "axios/axios",
        "charmbracelet/bubbletea",
        "commanded/commanded",
        "Cysharp/UniTask",
        "dotnet/BenchmarkDotNet",
        "dry-rb/dry-validation",
        "felangel/mason",
        "fsharp/fsharp.org",
        "fsprojects/Paket",
        "fsprojects/SQLProvider",
        "gcanti/fp-ts",
        "google/dagger",
        "grpc-ecosystem/grpc-gateway",
        "hivedb/hive",
        "howtographql/howtographql",
        "jaspervdj/hakyll",
        "jlevy/the-art-of-command-line",
        "JuliaDiff/ForwardDiff.jl",
        "JuliaGPU/CUDA.jl",
        "koalaman/shellcheck",
        "kubernetes/examples",
        "louthy/language-ext",
        "mdn/learning-area",
        "mkdocstrings/mkdocstrings",
        "necolas/idiomatic-css",
        "nikic/PHP-Parser",
        "nvim-treesitter/nvim-treesitter",
        "Olivine-Labs/lua-style-guide",
        "PHPOffice/PhpSpreadsheet",
        "pointfreeco/swift-snapshot-testing",
        "psake/psake",
        "pypa/hatch",
        "questdb/documentation",
        "rust-cli/book",
        "rust-lang/async-book",
        "rust-lang/nomicon",
        "scalameta/scalafmt",
        "sindresorhus/got",
        "softwaremill/sttp",
        "solidity-by-example/solidity-by-example.github.io",
        "square/okio",
        "square/wire",
        "SwiftyJSON/SwiftyJSON",
        "technomancy/leiningen",
        "typestack/class-validator",
        "uber/prototool",
        "urfave/cli",
        "weavejester/integrant",
        "zio/zio-json",
    ],
    "fresh5": [
        "apple/swift-async-algorithms",
        "arrow-kt/arrow-website",
        "bitemyapp/learnhaskell",
        "bufbuild/protovalidate",
        "dotnet/command-line-api",
        "dwyl/learn-phoenix-framework",
        "encode/uvicorn",
        "ent/ent",
        "ghostdogpr/caliban",
        "github/scientist",
        "go-resty/resty",
        "golang-migrate/migrate",
        "GoogleCloudPlatform/microservices-demo",
        "isar/isar",
        "jnunemaker/httparty",
        "JuliaLang/IJulia.jl",
        "JuliaStats/Distributions.jl",
        "JuliaWeb/HTTP.jl",
        "junegunn/fzf",
        "kikito/inspect.lua",
        "Netflix/conductor",
        "nvm-sh/nvm",
        "openrewrite/rewrite-docs",
        "PowerShell/PSReadLine",
        "pypa/pipx",
        "ring-clojure/ring",
        "rust-lang/api-guidelines",
        "rustwasm/book",
        "seancorfield/honeysql",
        "slimphp/Slim-Website",
        "swiftlang/swift-format",
        "TanStack/query",
        "terraform-aws-modules/terraform-aws-rds",
        "thephpleague/flysystem",
        "tonsky/datascript",
        "tpolecat/doobie",
        "transmissions11/solmate",
        "ueberauth/guardian",
        "vitejs/vite",
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--set", choices=sorted(SETS), help="a whole set, read from --mirror")
    parser.add_argument("--mirror", type=Path, help="holds <owner>+<name>/repo git directories")
    parser.add_argument("gitdirs", type=Path, nargs="*")
    args = parser.parse_args()
    gitdirs = list(args.gitdirs)
    if args.set:
        if args.mirror is None:
            parser.error("--set needs --mirror")
        gitdirs += [args.mirror / repo.replace("/", "+") / "repo" for repo in SETS[args.set]]
    for gitdir in gitdirs:
        name = gitdir.parent.name if gitdir.name == "repo" else gitdir.name
        target = args.out / name
        target.mkdir(parents=True, exist_ok=True)
        files = subprocess.run(
            ["git", f"--git-dir={gitdir}", "ls-tree", "-r", "--name-only", "HEAD"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split("\n")
        markdown = [f for f in files if f.endswith(".md")]
        archive = subprocess.run(
            ["git", f"--git-dir={gitdir}", "archive", "HEAD", "--", *markdown],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        print(f"{name}: {len(markdown)} Markdown files")


if __name__ == "__main__":
    main()
