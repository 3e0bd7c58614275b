"""GraphQL, HCL/Terraform and Dockerfile named from their own cues, and other languages not.

Real blocks of the tuning sources of RESULTS.md's tenth pass, cut small: GraphQL from
strawberry-graphql/strawberry's docs (MIT), graphql-dotnet/graphql-dotnet's docs (MIT) and
99designs/gqlgen's docs (MIT); HCL from terraform-aws-modules/terraform-aws-vpc's README
(Apache-2.0); Dockerfiles from jessfraz/dockerfiles (MIT) and moby/buildkit's Dockerfile
reference (Apache-2.0); Go from 99designs/gqlgen's README (MIT). The negatives are blocks
other languages write every day, some of them holding the other language's words (a Python
test with a GraphQL query in a string).
"""

from __future__ import annotations

import pytest

from contextd.pipeline.artifacts import identify_language

GRAPHQL_SCHEMA = """\
type Query {
  user: User
}

type User {
  id: ID!
  name: String!
}
"""

GRAPHQL_OPERATION = """\
query HeroQuery($id: ID, $withFriends: Boolean!) {
  hero(id: $id) {
    name
    friends @include(if: $withFriends) {
      name
    }
  }
}
"""

GRAPHQL_NESTED_QUERY = """\
query MyQuery {
  user {
    post {
      title
    }
  }
}
"""

GRAPHQL_DIRECTIVE = """\
directive @constraint(
	format: String
) on INPUT_FIELD_DEFINITION | FIELD_DEFINITION

input ObjectInput {
	contactEmail: String @constraint(format: "email")
	website: String @constraint(format: "uri")
}
"""

HCL_MODULE = """\
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"

  name = "my-vpc"
  cidr = "10.0.0.0/16"

  azs             = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  private_subnets = ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]

  enable_nat_gateway = true
  enable_vpn_gateway = true

  tags = {
    Terraform = "true"
    Environment = "dev"
  }
}
"""

HCL_TERRAGRUNT_STYLE = """\
terraform {
  source = "tfr:///terraform-aws-modules/vpc/aws//wrappers"
}

inputs = {
  defaults = {
    force_destroy = true
  }
}
"""

DOCKERFILE_LONG_RUN = """\
FROM debian:sid-slim
LABEL maintainer "Jessie Frazelle <jess@linux.com>"

RUN apt-get update && apt-get install -y \\
	ca-certificates \\
	s3cmd \\
	--no-install-recommends \\
	&& rm -rf /var/lib/apt/lists/*

ENV HOME /root
WORKDIR $HOME/s3cmd-workspace

ENTRYPOINT [ "s3cmd" ]
"""

DOCKERFILE_SYNTAX_LINE = """\
# syntax=docker/dockerfile:1
FROM alpine
RUN apk add --no-cache openssh-client
RUN mkdir -p -m 0700 ~/.ssh && ssh-keyscan gitlab.com >> ~/.ssh/known_hosts
RUN --mount=type=ssh \\
  ssh -q -T git@gitlab.com 2>&1 | tee /hello
"""

DOCKERFILE_MULTI_STAGE = """\
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app ./cmd/app

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""

CMAKE = """\
cmake_minimum_required(VERSION 3.10)
project(Demo VERSION 1.0 LANGUAGES C)
set(SOURCES src/main.c src/util.c)
add_executable(demo ${SOURCES})
target_link_libraries(demo PRIVATE m)
"""

GO_STRUCT = """\
type User struct {
  ID int
  Name string
}
"""


@pytest.mark.parametrize(
    ("block", "language"),
    [
        (GRAPHQL_SCHEMA, "graphql"),
        (GRAPHQL_OPERATION, "graphql"),
        (GRAPHQL_NESTED_QUERY, "graphql"),
        (GRAPHQL_DIRECTIVE, "graphql"),
        (HCL_MODULE, "hcl"),
        (HCL_TERRAGRUNT_STYLE, "hcl"),
        (DOCKERFILE_LONG_RUN, "dockerfile"),
        (DOCKERFILE_SYNTAX_LINE, "dockerfile"),
        (DOCKERFILE_MULTI_STAGE, "dockerfile"),
        (CMAKE, "cmake"),  # written for these tests; CMake is no class of the text model
        (GO_STRUCT, "go"),  # gqlgen's README: `type X {` is GraphQL's, `type X struct {` Go's
    ],
)
def test_named_from_its_own_cues(block: str, language: str) -> None:
    assert identify_language(block) == language


PYTHON_WITH_QUERY = """\
def test_strawberry(graphql_client):
    query = \"\"\"
        query Hi($name: String!) {
            hi(name: $name)
        }
    \"\"\"

    result = graphql_client.query(query, variables={"name": "Marcotte"})

    assert result.data == {"hi": "Hi Marcotte!"}
"""

TYPESCRIPT_TYPES = """\
export type User = {
  id: string;
  name: string;
};

export interface Post {
  title: string;
  author: User;
}
"""

C_ENUM = """\
enum color {
    RED,
    GREEN,
    BLUE
};

int main(void) {
    enum color c = RED;
    return c;
}
"""

SQL_FROM_LINE = """\
SELECT name, email
FROM users
WHERE active = 1
ORDER BY name;
"""

TOML_TABLE = """\
[package]
name = "demo"
version = "0.1.0"
edition = "2021"

[dependencies]
serde = "1.0"
"""

PYTHON_CONFIG_DICT = """\
config = {
    "name": "demo",
    "debug": True,
}
settings = load(config)
print(settings)
"""

SHELL_DOCKER_COMMANDS = """\
docker build -t myapp .
docker run --rm -p 8080:8080 myapp
docker push registry.example.com/myapp:latest
"""


@pytest.mark.parametrize(
    ("block", "not_language"),
    [
        (PYTHON_WITH_QUERY, "graphql"),
        (TYPESCRIPT_TYPES, "graphql"),
        (C_ENUM, "graphql"),
        (SQL_FROM_LINE, "dockerfile"),
        (TOML_TABLE, "hcl"),
        (PYTHON_CONFIG_DICT, "hcl"),
        (SHELL_DOCKER_COMMANDS, "dockerfile"),
    ],
)
def test_other_languages_are_not_named_so(block: str, not_language: str) -> None:
    assert identify_language(block) != not_language


def test_typescript_types_stay_typescript() -> None:
    """`type X {` left TypeScript's cue (it is GraphQL's); `type X = {` did not."""
    assert identify_language(TYPESCRIPT_TYPES) == "typescript"
