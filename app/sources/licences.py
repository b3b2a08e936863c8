"""A source's licence: one SPDX id, checked against the SPDX License List that `packaging` ships
(the list pip itself checks package licences against), and whether it lets anyone read the text.
"""

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from pydantic_core import PydanticCustomError

# The licences under which this API serves a source's text to anyone (docs/design.md,
# "Sources and their texts"): public-domain dedications and marks, and the licences that let
# anyone copy and pass on the verbatim text for any purpose, asking at most attribution or
# share-alike (the Open Definition's conformant licences for content and data that have an SPDX
# id). Non-commercial (`-NC`) and no-derivatives (`-ND`) licences are not among them, nor is an
# unknown licence (null): those texts are served to API keys with the `read` scope only.
OPEN_LICENCES = frozenset(
    {
        # Public domain
        "CC0-1.0",
        "CC-PDDC",
        "CC-PDM-1.0",
        "PDDL-1.0",
        "Unlicense",
        # Attribution
        "CC-BY-1.0",
        "CC-BY-2.0",
        "CC-BY-2.5",
        "CC-BY-2.5-AU",
        "CC-BY-3.0",
        "CC-BY-3.0-AT",
        "CC-BY-3.0-AU",
        "CC-BY-3.0-DE",
        "CC-BY-3.0-IGO",
        "CC-BY-3.0-NL",
        "CC-BY-3.0-US",
        "CC-BY-4.0",
        "CDLA-Permissive-1.0",
        "CDLA-Permissive-2.0",
        "DL-DE-BY-2.0",
        "DL-DE-ZERO-2.0",
        "etalab-2.0",
        "NLOD-1.0",
        "NLOD-2.0",
        "ODC-By-1.0",
        "OGDL-Taiwan-1.0",
        "OGL-Canada-2.0",
        "OGL-UK-1.0",
        "OGL-UK-2.0",
        "OGL-UK-3.0",
        # Share-alike
        "CC-BY-SA-1.0",
        "CC-BY-SA-2.0",
        "CC-BY-SA-2.0-UK",
        "CC-BY-SA-2.1-JP",
        "CC-BY-SA-2.5",
        "CC-BY-SA-3.0",
        "CC-BY-SA-3.0-AT",
        "CC-BY-SA-3.0-DE",
        "CC-BY-SA-3.0-IGO",
        "CC-BY-SA-4.0",
        "CDLA-Sharing-1.0",
        "ODbL-1.0",
    }
)

# The shape of one SPDX id (the schema says it); which ids the list has, it cannot.
LICENCE_PATTERN = "^[A-Za-z0-9][A-Za-z0-9.-]*$"


def spdx_id(value: str) -> str:
    """The licence as the SPDX list spells it (`cc-by-4.0` → `CC-BY-4.0`), for a value of the
    shape of one id (LICENCE_PATTERN); an `unknown_licence` error when the list has no such id
    (a made-up name; `LicenseRef-` ids are anyone's own)."""
    try:
        canonical: str = canonicalize_license_expression(value)
    except InvalidLicenseExpression:
        canonical = ""
    if canonical.lower() != value.lower() or canonical.startswith(("LicenseRef-", "DocumentRef-")):
        raise PydanticCustomError(
            "unknown_licence",
            "'{value}' is not an SPDX licence id, such as CC-BY-4.0 or CC0-1.0 (the list: "
            "https://spdx.org/licenses/); null when the licence is not known",
            {"value": value},
        )
    return canonical


def is_open(licence: str | None) -> bool:
    """Whether a text under this licence is served to anyone."""
    return licence in OPEN_LICENCES
