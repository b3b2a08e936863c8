"""Schemathesis hooks for tests/test_fuzz.py, which loads them with `SCHEMATHESIS_HOOKS`.

`positive_data_acceptance`, narrowed: a request the OpenAPI document allows must be accepted,
except where the refusal is for a rule a schema cannot state (each named below, with why).
Any other refusal of a schema-valid request fails the run, naming what the server said.

Schemathesis' own check accepts any 401, 403, 404, 409 or 429 and refuses any 400, 412 or
422; this one takes only the refusals `excused` names. The tool's own check stays excluded
(test_fuzz.py); this one wraps it, with only 2xx and 3xx expected of it (and 5xx, which
`not_a_server_error` reports), so that every refusal comes here to be judged."""

import os
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

# 422 error types (`errors[].type`) for rules a JSON Schema cannot state, on every operation.
INEXPRESSIBLE = {
    # A referenced id (`source_id`, `mission_id`, `in_response_to`, an import row's `id`) is of
    # a record that exists: the schema gives an id's range, not which ids are taken.
    "not_found": "a referenced record that does not exist",
    # A code of the documented pattern (two or three letters) is one ISO 3166-1 assigns: `ZZ`
    # has the shape and names no country. (A code of another shape is `country_code`.)
    "unknown_country": "a well-formed country code no country has",
    # `from` no later than `to`: JSON Schema cannot compare two values.
    "range_order": "`from` after `to`",
    # Two countries that differ (a dispute's sides; a relation's `a` and `b`): nor can it say
    # that two values differ.
    "same_country": "a relation of a country with itself",
    # Each official once among a round of talks' participants: `uniqueItems` compares whole
    # items, and one official may be sent twice with two different sides.
    "duplicate_official": "an official listed twice among the participants",
    # A headcount's mission is a mission of the headcount's pair of countries: a fact about
    # another stored record.
    "mission_mismatch": "a headcount of one pair counting another pair's mission",
    # A chain of responses ends: `in_response_to` through the stored measures comes back to
    # the measure being written.
    "response_loop": "a chain of responses that loops",
    # A licence of the documented shape is one the SPDX License List has: `Made-Up-1.0` has
    # the shape of an id and names no licence (as `ZZ` a country).
    "unknown_licence": "a licence id that is not on the SPDX list",
    # A source's `sha256`, sent with its text, is the text's hash: a schema cannot hash.
    "sha256_mismatch": "a sha256 that is not the hash of the text sent with it",
    # Two query parameters that exclude each other (the world view's `year` and `on`, each a
    # day): a schema states each parameter alone.
    "one_of": "both `year` and `on`, where the view shows one day",
    # A date known to the week, month or year is the first day of that span (a Monday, the 1st,
    # 1 January): a `date` format cannot say which weekday or day of the month a date is.
    "date_not_first_day": "a date of a week, month or year that is not the span's first day",
    # A quote stands in its source's text: whether a string is in a stored document is a fact
    # about the document, not about the string.
    "quote_not_found": "a quote that is not in its source's text",
    # A quote found more than once says which occurrence (`start`, `prefix`/`suffix`): which
    # quotes recur depends on the text.
    "quote_ambiguous": "a quote its source's text holds more than once, without saying which",
    # A search (`q`) has a word to find: a letter or a digit outside the excluded terms. A
    # pattern could ask for a letter, not for one outside every `-term`.
    "no_words_to_find": "a search with no word to find (`©`, `(`, `-embassy`)",
    # And at most 32 words and phrases: words are the search syntax's, not a schema's.
    "too_many_terms": "a search of more than 32 words and phrases",
}
# A change to a stored record (a PATCH; an import row matched to a record) is checked merged
# with what is stored, or against it: the rule holds between a value sent and one stored.
CHANGING = {
    # The status sent equals the stored one, yet `status_citations` were sent for a change.
    "status_unchanged": "status citations for a status that did not change",
    # The status sent differs from the stored one, and the change has no citations.
    "status_uncited": "a change of status without its citations",
}
# A PATCH sends some fields: the others are the stored ones. (A new record, or an import row,
# is whole, and its schema says this one: `if`/`then` on the create body.)
PATCHING = {
    "precision_without_date": "a date precision sent for a stored date that is null",
    "media_type_without_text": "a media type sent for a source left without a text",
}
# An import's rows, among themselves and against the stored records.
IMPORTING = {
    "duplicate": "two rows about one record, or with one `ref`",
    "conflict": "a `ref` that another kind of record has (a measure that is no expulsion)",
    "mismatch": "a row whose `ref` is another record's than its `id`'s",
}
# An import in CSV or NDJSON is a string to the schema: OpenAPI 3.1 cannot describe the records
# in it, so the server may find them unreadable (400) or invalid (422) as any client could.
TEXT_IMPORTS = ("text/csv", "application/x-ndjson")
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _problem(response: Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _reserved(case: Case[Any]) -> dict[str, str]:
    """The 422 types a schema-valid request to this operation may get, with their reasons."""
    reserved = dict(INEXPRESSIBLE)
    if case.method.upper() == "PATCH":
        reserved |= CHANGING | PATCHING
    if _is_import(case):
        reserved |= CHANGING | IMPORTING
    return reserved


def _is_import(case: Case[Any]) -> bool:
    return case.method.upper() == "POST" and case.operation.path.endswith("/import")


def excused(case: Case[Any], response: Response) -> str | None:
    """Why the refusal of this schema-valid request is one the schema could not foresee; None
    when it is not, and the request should have been accepted."""
    status, problem = response.status_code, _problem(response)
    if status == 401 and os.environ.get("FUZZ_MAY_REVOKE_ITS_KEY") == "True":
        # Which keys are revoked: the run that tries `revoke_key` may revoke its own.
        return "a revoked key"
    routed = not problem.get("detail", "").startswith("Nothing at")  # not the router's 404
    if status == 404 and case.path_parameters and routed:
        # Which records (and countries) exist: the path names one that does not.
        return "a record that does not exist"
    if status == 409 and case.method.upper() in WRITES:
        # Which `ref`s are taken, which records point at one, which are deleted: stored state.
        return "a conflict with stored records"
    if status == 412 and case.headers and case.headers.get("If-Match") is not None:
        # Which version a record is at: an `If-Match` of another version.
        return "an If-Match of another version"
    cursor = (case.query or {}).get("cursor")
    if status == 400 and cursor and problem.get("title") == "Invalid cursor":
        # Which cursors this API issued: a cursor of the documented shape that it did not.
        return "a cursor this API did not issue"
    if status in (400, 422) and _is_import(case) and case.media_type in TEXT_IMPORTS:
        # What records a text body holds (TEXT_IMPORTS).
        return "records inside a CSV or NDJSON string, which a schema cannot describe"
    if status == 422:
        types = {str(error.get("type")) for error in problem.get("errors") or [{}]}
        reserved = _reserved(case)
        if all(kind in reserved for kind in types):
            return "; ".join(reserved[kind] for kind in sorted(types))
    return None


def _said(case: Case[Any], response: Response) -> str:
    """What the server said, and for a 422 which error types no reason above covers."""
    problem = _problem(response)
    said = f"\nThe server said: {problem.get('title')}: {problem.get('detail')}"
    if response.status_code == 422:
        reserved = _reserved(case)
        types = sorted({str(error.get("type")) for error in problem.get("errors") or []})
        others = [kind for kind in types if kind not in reserved] or ["(no `errors`)"]
        said += (
            f"\nError types no rule of tests/fuzz_hooks.py excuses here: {', '.join(others)}."
            " Say the rule in the schema, or accept the request; reserve a type only for a "
            "rule no schema can state."
        )
    return said


@schemathesis.check
def schema_valid_requests_accepted(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """A request the schema allows is accepted, unless refused for a rule no schema states."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData as rejected:
        if excused(case, response) is not None:
            return None
        raise RejectedPositiveData(
            operation=rejected.operation or case.operation.label,
            message=rejected.message + _said(case, response),
            status_code=rejected.status_code,
            allowed_statuses=rejected.allowed_statuses,
        ) from None


# An NDJSON body is a string to the schema, sent as it is, like a `text/*` one.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")
