"""Full-text search (docs/search.md): one index of every record's words, every quote and every
source's text, for `/v1/search` and every list's `q`.

- `search_entry`: one row per searchable thing — a record (`kind` as in its URL, `record` its
  id or code as text, `part` 0), a quote (`citations`, the id `/v1/citations` gives it) or a
  passage of a source's text (`texts`, `part` 1, 2, …: windows of 2,000 characters, each
  starting 1,800 after the last, so a phrase of up to 200 characters is whole in one of them);
  with a `title`, a `body`, a `date` and up to two countries for the filters.
- `search_index`: the engine's index of the entries' title (weighted above the body) and body,
  case and diacritics folded, words not stemmed, the same on both databases. On SQLite an FTS5
  table over `search_entry` (tokenizer `unicode61 remove_diacritics 2`; bm25), with the
  entry's `kind` as a third column that queries filter by (`kind : "events"`); on PostgreSQL
  a table of `tsvector`s with a GIN index, under the text search configuration `diplo`
  (`simple` with `unaccent` first; `ts_rank_cd`). Not in the models: it is each engine's own.
- `search_index_parts`: the numbers 0…65,535, which cut a text into passages (SQLite does not
  allow `WITH RECURSIVE` in a trigger): a text's first 117 million characters are indexed.

Kept by triggers on every table an entry is made from, as the timeline is (0014): the API,
imports, data-set loads, the seed and hand-written SQL keep the index in the same transaction.
A mission's title names its countries; renaming a country does not rewrite its missions'
entries (the next write of the mission does).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op

from app.kit.row_triggers import Trigger, create_triggers, drop_triggers

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "kind, record, part, title, body, date, country_a, country_b"
PASSAGE = 2000
STEP = 1800
PARTS = 65536


# How many windows a text of length L is cut into: those starting before L - 200, and one at least.
_windows = f"((length(x.text) - {PASSAGE - STEP} + {STEP - 1}) / {STEP})"


def _name(code: str) -> str:
    """A country's name, or its code when the country is unknown."""
    return f"COALESCE((SELECT name FROM country WHERE code = {code}), {code})"


def _joined(*parts: str) -> str:
    """Text parts joined by spaces, the null ones left out (the same on both databases)."""
    return "trim(" + " || ' ' || ".join(f"COALESCE({part}, '')" for part in parts) + ")"


@dataclass(frozen=True)
class Kind:
    """How the entries of one table are made: its SELECT (of `COLUMNS`), the record's id column,
    and `record`, the entry's `record` made from an id (`{id}`)."""

    name: str
    kind: str
    select: str
    id: str
    record: str = "CAST({id} AS VARCHAR(20))"
    where: str = "1 = 1"

    def entries(self, ids: str) -> str:
        return f"{self.select} WHERE {self.where} AND {self.id} IN ({ids})"

    def gone(self, ids: str) -> str:
        """The entries of the records `ids` gives (an expression or a `SELECT id …`)."""
        if ids.lstrip().upper().startswith("SELECT"):
            wanted = f"SELECT {self.record.format(id='x.id')} FROM ({ids}) x"
        else:
            wanted = self.record.format(id=ids)
        return f"DELETE FROM search_entry WHERE kind = '{self.kind}' AND record IN ({wanted})"


KINDS = {
    kind.name: kind
    for kind in (
        Kind(
            "countries",
            "countries",
            f"""SELECT 'countries', c.code, 0, c.name, {
                _joined("c.official_name", "c.code", "c.alpha3")
            },
       CAST(NULL AS DATE), c.code, CAST(NULL AS VARCHAR(4))
FROM country c""",
            "c.code",
            record="{id}",
        ),
        Kind(
            "missions",
            "missions",
            f"""SELECT 'missions', CAST(m.id AS VARCHAR(20)), 0,
       replace(m.kind, '_', ' ') || ' of ' || {_name("m.sending_country")} || ' in '
           || COALESCE(m.city || ', ', '') || {_name("m.host_country")},
       {_joined("m.designation", "m.city", "m.status")}, m.inception,
       m.sending_country, m.host_country
FROM mission m""",
            "m.id",
        ),
        Kind(
            "officials",
            "officials",
            f"""SELECT 'officials', CAST(o.id AS VARCHAR(20)), 0, o.name,
       {_joined("o.title", "o.career")}, CAST(NULL AS DATE), o.country, CAST(NULL AS VARCHAR(4))
FROM official o""",
            "o.id",
        ),
        Kind(
            "posts",
            "posts",
            f"""SELECT 'posts', CAST(p.id AS VARCHAR(20)), 0,
       COALESCE((SELECT name FROM official WHERE id = p.official_id) || ', ', '') || p.title
           || ' to ' || {_name("p.host_country")},
       {_joined("p.appointed_note", "p.started_note", "p.ended_note", "p.note")},
       COALESCE(p.appointed_on, p.credentials_on, p.arrived_on), p.sending_country,
       p.host_country
FROM official_post p""",
            "p.id",
        ),
        Kind(
            "measures",
            "measures",
            f"""SELECT 'measures', CAST(m.id AS VARCHAR(20)), 0,
       COALESCE(m.summary, m.kind || ' (' || m.stage || ')'),
       {_joined("m.actor_body", "m.condition", "m.kind")}, m.date, m.actor_country,
       m.target_country
FROM measure m""",
            "m.id",
        ),
        Kind(
            "talks",
            "talks",
            f"""SELECT 'talks', CAST(t.id AS VARCHAR(20)), 0,
       COALESCE(t.summary, 'talks' || COALESCE(' in ' || t.city, '')),
       {_joined("t.city", "t.outcome")}, t.date, COALESCE(d.country_a, t.host_country),
       d.country_b
FROM talks_round t LEFT JOIN visa_dispute d ON d.id = t.dispute_id""",
            "t.id",
        ),
        Kind(
            "disputes",
            "visa-disputes",
            """SELECT 'visa-disputes', CAST(v.id AS VARCHAR(20)), 0, v.title, v.status, v.opened_on,
       v.country_a, v.country_b
FROM visa_dispute v""",
            "v.id",
        ),
        Kind(
            "events",
            "events",
            """SELECT 'events', CAST(e.id AS VARCHAR(20)), 0, e.summary, e.kind, e.date,
       CAST(NULL AS VARCHAR(4)), CAST(NULL AS VARCHAR(4))
FROM event e""",
            "e.id",
        ),
        Kind(
            "sources",
            "sources",
            f"""SELECT 'sources', CAST(s.id AS VARCHAR(20)), 0, s.title,
       {_joined("s.publisher", "s.attribution")}, s.published_on, CAST(NULL AS VARCHAR(4)),
       CAST(NULL AS VARCHAR(4))
FROM source s""",
            "s.id",
        ),
        Kind(
            "texts",
            "texts",
            f"""SELECT 'texts', CAST(s.id AS VARCHAR(20)), p.n + 1, s.title,
       substr(x.text, p.n * {STEP} + 1, {PASSAGE}), s.published_on, CAST(NULL AS VARCHAR(4)),
       CAST(NULL AS VARCHAR(4))
FROM source s JOIN source_text x ON x.sha256 = s.sha256
JOIN search_index_parts p ON p.n < CASE WHEN {_windows} < 1 THEN 1 ELSE {_windows} END""",
            "s.id",
        ),
        # A quote's `record` is its id in /v1/citations (the `quotes` view, 0008).
        Kind(
            "citations",
            "citations",
            """SELECT 'citations', CAST(2 * CAST(c.id AS BIGINT) AS VARCHAR(20)), 0,
       (SELECT title FROM source WHERE id = c.source_id), c.quote, CAST(NULL AS DATE),
       CAST(NULL AS VARCHAR(4)), CAST(NULL AS VARCHAR(4))
FROM citation c""",
            "c.id",
            record="CAST(2 * CAST({id} AS BIGINT) AS VARCHAR(20))",
        ),
        Kind(
            "statements",
            "citations",
            """SELECT 'citations', CAST(2 * CAST(t.id AS BIGINT) + 1 AS VARCHAR(20)), 0,
       (SELECT title FROM source WHERE id = t.source_id), t.quote, r.date, r.host_country,
       CAST(NULL AS VARCHAR(4))
FROM talks_statement t JOIN talks_round r ON r.id = t.talks_id""",
            "t.id",
            record="CAST(2 * CAST({id} AS BIGINT) + 1 AS VARCHAR(20))",
        ),
    )
}

# Which entries a row of each table makes or changes: (kind, the ids, from the row `{row}`).
SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "country": (("countries", "{row}.code"),),
    "mission": (("missions", "{row}.id"),),
    "official": (
        ("officials", "{row}.id"),
        ("posts", "SELECT id FROM official_post WHERE official_id = {row}.id"),
    ),
    "official_post": (("posts", "{row}.id"),),
    "measure": (("measures", "{row}.id"),),
    "talks_round": (
        ("talks", "{row}.id"),
        ("statements", "SELECT id FROM talks_statement WHERE talks_id = {row}.id"),
    ),
    "visa_dispute": (
        ("disputes", "{row}.id"),
        ("talks", "SELECT id FROM talks_round WHERE dispute_id = {row}.id"),
    ),
    "event": (("events", "{row}.id"),),
    "source": (
        ("sources", "{row}.id"),
        ("texts", "{row}.id"),
        ("citations", "SELECT id FROM citation WHERE source_id = {row}.id"),
        ("statements", "SELECT id FROM talks_statement WHERE source_id = {row}.id"),
    ),
    "citation": (("citations", "{row}.id"),),
    "talks_statement": (("statements", "{row}.id"),),
}


def _refresh(table: str, row: str, remove: bool, kinds: dict[str, Kind] | None = None) -> list[str]:
    statements = []
    for name, ids in SOURCES[table]:
        kind = (kinds or KINDS)[name]
        wanted = ids.format(row=row)
        statements.append(kind.gone(wanted))
        if not remove:
            statements.append(f"INSERT INTO search_entry ({COLUMNS}) {kind.entries(wanted)}")
    return statements


def _words(value: str) -> str:
    """A text with every run of characters other than letters and digits made a space, before
    PostgreSQL's parser reads it: words are then cut where SQLite's tokenizer cuts them (the
    parser would read `Q36;Gdańsk` in a URL as one path, `U.S.` as a host name)."""
    return f"regexp_replace(COALESCE({value}, ''), '[^[:alnum:]]+', ' ', 'g')"


def _document(row: str) -> str:
    return (
        f"setweight(to_tsvector('diplo', {_words(row + '.title')}), 'A') || "
        f"setweight(to_tsvector('diplo', {_words(row + '.body')}), 'B')"
    )


def _triggers(dialect: str) -> list[Trigger]:
    triggers = [
        Trigger(
            f"search_{table}", table, _refresh(table, "NEW", False), _refresh(table, "OLD", True)
        )
        for table in SOURCES
    ]
    if dialect == "postgresql":
        triggers.append(
            Trigger(
                "search_search_entry",
                "search_entry",
                [f"INSERT INTO search_index (id, document) VALUES (NEW.id, {_document('NEW')})"],
                ["DELETE FROM search_index WHERE id = OLD.id"],
            )
        )
    else:
        triggers.append(
            Trigger(
                "search_search_entry",
                "search_entry",
                [
                    "INSERT INTO search_index (rowid, title, body, kind) "
                    "VALUES (NEW.id, NEW.title, NEW.body, NEW.kind)"
                ],
                [
                    "INSERT INTO search_index (search_index, rowid, title, body, kind) "
                    "VALUES ('delete', OLD.id, OLD.title, OLD.body, OLD.kind)"
                ],
            )
        )
    return triggers


def rebuild() -> list[str]:
    """Every entry made anew from the tables (the engine's index follows by trigger)."""
    return [
        "DELETE FROM search_entry",
        *(
            f"INSERT INTO search_entry ({COLUMNS}) {kind.select} WHERE {kind.where}"
            for kind in KINDS.values()
        ),
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "search_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("record", sa.String(20), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("country_a", sa.String(4), nullable=True),
        sa.Column("country_b", sa.String(4), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entry")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_search_entry_kind_record_part"),
        "search_entry",
        ["kind", "record", "part"],
        unique=True,
    )
    op.create_table(
        "search_index_parts",
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("n", name=op.f("pk_search_index_parts")),
    )
    if dialect == "postgresql":
        op.execute(f"INSERT INTO search_index_parts (n) SELECT generate_series(0, {PARTS - 1})")
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE TEXT SEARCH CONFIGURATION diplo (COPY = simple)")
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION diplo ALTER MAPPING FOR "
            "word, hword, hword_part, numword, numhword WITH unaccent, simple"
        )
        op.execute(
            "CREATE TABLE search_index (id INTEGER PRIMARY KEY "
            "REFERENCES search_entry (id) ON DELETE CASCADE, document TSVECTOR NOT NULL)"
        )
        # No pending list: entries go into the index as they are written, so that a search
        # after a data set's load does not scan thousands of pending ones (measured: a word's
        # lookup read 296 pages before `gin_clean_pending_list`, 4 after).
        op.execute(
            "CREATE INDEX ix_search_index_document ON search_index USING gin (document) "
            "WITH (fastupdate = off)"
        )
    else:
        op.execute(
            f"WITH RECURSIVE p(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM p WHERE n < {PARTS - 1}) "
            "INSERT INTO search_index_parts (n) SELECT n FROM p"
        )
        op.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5(title, body, kind, "
            "content='search_entry', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
        )
    create_triggers(_triggers(dialect), skip_unchanged=True)
    for statement in rebuild():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    drop_triggers(_triggers(dialect))
    op.execute("DROP TABLE search_index")
    if dialect == "postgresql":
        op.execute("DROP TEXT SEARCH CONFIGURATION diplo")
    op.drop_table("search_index_parts")
    op.drop_index(op.f("ix_search_entry_kind_record_part"), table_name="search_entry")
    op.drop_table("search_entry")
