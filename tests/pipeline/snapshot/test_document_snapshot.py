"""A document's snapshot follows the document: its headings, and the facts under each.

The excerpts are real: the OCI Image Manifest specification (opencontainers/image-spec,
manifest.md, Apache-2.0) and PEP 427 (python/peps, public domain), trimmed.
"""

from __future__ import annotations

import re

import pytest

from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.snapshot import build_snapshot, split_sentences, update_snapshot
from contextd.pipeline.snapshot._outline import outline
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import Document, SnapshotDraft, Turn

MANIFEST = """\
# OCI Image Manifest Specification

There are three main goals of the Image Manifest Specification.
The first goal is content-addressable images, by supporting an image model where the image's \
configuration can be hashed to generate a unique ID for the image and its components.

## Image Manifest

Unlike the [image index](image-index.md), which contains information about a set of images \
that can span a variety of architectures and operating systems, an image manifest provides a \
configuration and set of layers for a single container image for a specific architecture and \
operating system.

## _Image Manifest_ Property Descriptions

- **`schemaVersion`** *int*

  This REQUIRED property specifies the image manifest schema version.
  For this version of the specification, this MUST be `2` to ensure backward compatibility \
with older versions of Docker. The value of this field will not change. This field MAY be \
removed in a future version of the specification.

- **`artifactType`** *string*

  This OPTIONAL property contains the type of an artifact when the manifest is used for an \
artifact.
  Implementations storing or copying image manifests MUST NOT error on encountering an \
`artifactType` that is unknown to the implementation.

- **`layers`** *array of objects*

  Each item in the array MUST be a descriptor.
  For portability, `layers` SHOULD have at least one entry.

## Example Image Manifest

Example showing an image manifest:

```json,title=Manifest&mediatype=application/vnd.oci.image.manifest.v1%2Bjson
{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json"
}
```

## Guidelines for Artifact Usage

Content other than OCI container images MAY be packaged using the image manifest.
When this is done, the `config.mediaType` value MUST be set to a value specific to the \
artifact type or the [empty value](#guidance-for-an-empty-descriptor).
If the artifact does not need layers, a single layer SHOULD be included with a non-zero size.
"""

PEP = """\
Abstract
========

This PEP describes a built-package format for Python called "wheel".

A wheel is a ZIP-format archive with a specially formatted file name and
the ``.whl`` extension.

Details
=======

Installing a wheel
------------------

Wheel installation notionally consists of two phases: unpack and spread.

File name convention
--------------------

The wheel filename is ``{distribution}-{version}-{python tag}-{abi tag}-{platform tag}.whl``.

The .dist-info directory
^^^^^^^^^^^^^^^^^^^^^^^^

Wheel .dist-info directories include at a minimum METADATA, WHEEL, and RECORD.
A wheel installer is not required to understand digital signatures but MUST verify the
hashes in RECORD against the extracted file contents.

FAQ
===

Wheel is a reference to the other Python.
"""


def snapshot(
    text: str, fmt: str = "markdown", title: str | None = None, budget: int | None = None
) -> SnapshotDraft:
    document = Document(text=text, format=fmt, title=title)
    return build_snapshot(
        [], document, extract_artifacts(document, []), budget_tokens=budget, max_embedded=0
    )


def headings(markdown: str) -> list[str]:
    """The document's headings in the snapshot (the artifact list's aside)."""
    lines = markdown.splitlines()[1:]
    return [line for line in lines if line.startswith("#") and line != "## Artifacts"]


def bullets(markdown: str) -> list[tuple[str, int]]:
    found = re.findall(r"^- (.*) \[p(\d+)\]$", markdown, flags=re.MULTILINE)
    return [(text, int(number)) for text, number in found]


def test_a_specification_keeps_its_headings_as_headings() -> None:
    result = snapshot(MANIFEST, title="OCI Image Manifest Specification", budget=400)
    assert result.markdown.startswith("# Context snapshot: OCI Image Manifest Specification\n")
    assert headings(result.markdown) == [
        "## Image Manifest",
        "## Image Manifest Property Descriptions",
        "## Example Image Manifest",
        "## Guidelines for Artifact Usage",
    ]
    assert "\n## Artifacts\n- Manifest" in result.markdown  # the format's artifact list, last
    for name in ("## Decisions", "## Current state", "## Constraints and facts"):
        assert name not in result.markdown


def test_requirements_are_kept_verbatim_under_their_heading_and_cite_their_paragraph() -> None:
    result = snapshot(MANIFEST, title="OCI Image Manifest Specification", budget=400)
    sections = re.split(r"^## ", result.markdown, flags=re.MULTILINE)
    guidelines = next(s for s in sections if s.startswith("Guidelines for Artifact Usage"))
    assert (
        "- Content other than OCI container images MAY be packaged using the image manifest."
        in guidelines
    )
    assert (
        "- Implementations storing or copying image manifests MUST NOT error on encountering "
        "an `artifactType` that is unknown to the implementation." in result.markdown
    )
    paragraphs: dict[int, str] = {}
    for sentence in split_sentences(MANIFEST):
        paragraphs[sentence.paragraph] = paragraphs.get(sentence.paragraph, "") + sentence.text
    for text, number in bullets(result.markdown):
        assert text.split("`: ", 1)[-1] in paragraphs[number]


def test_a_property_description_is_prefixed_with_the_property_it_describes() -> None:
    result = snapshot(MANIFEST, title="OCI Image Manifest Specification", budget=600)
    assert (
        "- `schemaVersion`: For this version of the specification, this MUST be `2` to ensure "
        "backward compatibility with older versions of Docker." in result.markdown
    )
    assert "- `layers`: Each item in the array MUST be a descriptor." in result.markdown
    assert "`layers`: For portability" not in result.markdown  # it names itself already


def test_a_plain_word_property_is_prefixed_even_when_the_word_occurs() -> None:
    text = (
        "## Platform\n\n"
        "- **`architecture`** *string*\n\n"
        "  This REQUIRED property specifies the CPU architecture.\n"
        "  Image indexes SHOULD use values listed in the Go Language document for `GOARCH`.\n"
    )
    result = snapshot(text, title="Image index")
    assert "- `architecture`: This REQUIRED property specifies the CPU architecture." in (
        result.markdown
    )


@pytest.mark.parametrize("budget", [40, 80, 150, 300, None])
def test_the_budget_is_respected(budget: int | None) -> None:
    result = snapshot(MANIFEST, title="OCI Image Manifest Specification", budget=budget)
    assert result.tokens_after == count_tokens(result.markdown) <= result.budget
    assert result.turn_indexes == ()


def test_a_tight_budget_keeps_the_outline_and_the_strongest_requirements() -> None:
    result = snapshot(MANIFEST, title="OCI Image Manifest Specification", budget=120)
    assert "## Image Manifest Property Descriptions" in result.markdown
    assert all(
        re.search(r"\b(?:MUST|SHOULD|MAY|REQUIRED)\b", text) for text, _ in bullets(result.markdown)
    )


def test_rest_underlined_headings_nest_by_their_adornment() -> None:
    result = snapshot(PEP, fmt="text", title="The Wheel Binary Package Format 1.0", budget=300)
    assert headings(result.markdown) == [
        "## Abstract",
        "## Details",
        "### Installing a wheel",
        "### File name convention",
        "#### The .dist-info directory",
        "## FAQ",
    ]
    assert "=====" not in result.markdown and "-----" not in result.markdown
    assert "MUST verify the hashes in RECORD against the extracted file contents." in (
        result.markdown.replace("\n", " ")
    )


def test_deep_levels_are_capped_and_a_document_starting_at_h3_starts_at_the_top() -> None:
    text = "".join(
        f"{'#' * level} Level {level}\n\nThe level {level} parser MUST reject {level} bytes.\n\n"
        for level in range(3, 7)
    )
    result = snapshot(text, title="Limits", budget=400)
    assert headings(result.markdown) == [
        "## Level 3",
        "### Level 4",
        "#### Level 5",
        "#### Level 6",
    ]


def test_a_comment_in_a_code_block_is_not_a_heading() -> None:
    text = (
        "## Install\n\nThe installer MUST run as root on Debian 12.\n\n"
        "```bash\n# download the release\ncurl -O https://example.org/v2.tar.gz\n```\n"
    )
    result = snapshot(text, title="Setup", budget=200)
    assert headings(result.markdown) == ["## Install"]
    assert "download the release" not in result.markdown


def test_a_document_without_headings_is_a_flat_list_of_its_facts_in_order() -> None:
    text = (
        "The export service writes one file per day to the archive bucket.\n\n"
        "Files older than 90 days are moved to cold storage by the lifecycle rule.\n\n"
        "hi\n\n"
        "A restore from cold storage takes up to 12 hours and costs 3 cents per gigabyte.\n\n"
    ) + "The bucket is in the eu-west-1 region and versioning is enabled on it.\n\n" * 8
    result = snapshot(text, fmt="text", title="Archive notes")
    assert headings(result.markdown) == []
    assert bullets(result.markdown) == [
        ("The export service writes one file per day to the archive bucket.", 1),
        ("Files older than 90 days are moved to cold storage by the lifecycle rule.", 2),
        ("A restore from cold storage takes up to 12 hours and costs 3 cents per gigabyte.", 4),
        ("The bucket is in the eu-west-1 region and versioning is enabled on it.", 5),
    ]  # "hi" carries nothing; the repeated sentence is shown once


def test_numbered_headings_of_a_plain_text_specification_become_headings() -> None:
    text = (
        "1.  Introduction\n\n"
        "   The key words defined here are used in many documents to signify requirements.\n\n"
        "2.  Requirement Levels\n\n"
        "2.1.  MUST\n\n"
        "   This word means that the definition is an absolute requirement of the "
        "specification.\n\n"
        "2.2.  SHOULD\n\n"
        "   This word means that there may exist valid reasons in particular circumstances "
        "to ignore a particular item.\n\n"
        "3.  Table of Contents Is Not Here\n\n"
        "   1.  Introduction . . . . . . . . 2\n"
    )
    assert [(s.title, s.depth) for s in outline(text) if s.title] == [
        ("1. Introduction", 1),
        ("2. Requirement Levels", 1),
        ("2.1. MUST", 2),
        ("2.2. SHOULD", 2),
        ("3. Table of Contents Is Not Here", 1),
    ]
    result = snapshot(text, fmt="text", title="Key words")
    assert "## 1. Introduction" in headings(result.markdown)
    assert result.tokens_after <= result.budget


def test_a_pdf_text_keeps_its_title_like_lines_as_headings() -> None:
    text = (
        "Image Manifest\n"
        "Unlike the image index, an image manifest provides a configuration and set of layers\n"
        "for a single container image for a specific architecture and operating system.\n"
        "Guidelines for Artifact Usage\n"
        "Content other than OCI container images MAY be packaged using the image manifest.\n"
        "If the artifact does not need layers, a single layer SHOULD be included with a\n"
        "non-zero size.\n"
    )
    assert [s.title for s in outline(text) if s.title] == [
        "Image Manifest",
        "Guidelines for Artifact Usage",
    ]
    result = snapshot(text, fmt="pdf", title="manifest.pdf")
    assert headings(result.markdown) == ["## Image Manifest", "## Guidelines for Artifact Usage"]
    assert (
        "- If the artifact does not need layers, a single layer SHOULD be included with a "
        "non-zero size. [p1]" in result.markdown
    )


def test_a_document_snapshot_is_rebuilt_not_fast_forwarded_with_turns() -> None:
    previous = snapshot(MANIFEST, title="OCI Image Manifest Specification", budget=300)
    turn = Turn(index=0, role="user", speaker="User", text="Which media type does it use?")
    with pytest.raises(ValueError, match="rebuild it"):
        update_snapshot(previous, [turn], Document("", "markdown"), [], max_embedded=0)
