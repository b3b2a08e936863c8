"""Row triggers written once for both databases, for the migrations that keep stored tables
current on every write path (0014: the timeline and series; 0016: the search index).

A trigger runs, for each row written to its table, `on_delete` with the row's old values
(`OLD`) on an update or a delete, then `on_insert` with its new values (`NEW`) on an insert or
an update: statements in the SQL both databases read. PostgreSQL wraps them in a PL/pgSQL
function; SQLite makes one trigger per event."""

from collections.abc import Sequence
from dataclasses import dataclass

from alembic import op


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    on_insert: list[str]
    on_delete: list[str]


def create_triggers(triggers: Sequence[Trigger]) -> None:
    dialect = op.get_bind().dialect.name
    for trigger in triggers:
        name = trigger.name
        if dialect == "postgresql":
            body = "\n".join(
                [
                    "BEGIN",
                    "IF TG_OP IN ('UPDATE', 'DELETE') THEN",
                    *(f"{s};" for s in trigger.on_delete),
                    "NULL; END IF;",
                    "IF TG_OP IN ('INSERT', 'UPDATE') THEN",
                    *(f"{s};" for s in trigger.on_insert),
                    "NULL; END IF;",
                    "RETURN NULL;",
                    "END",
                ]
            )
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n{body}\n$$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {trigger.table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
            continue
        events: tuple[tuple[str, str, list[str], list[str]], ...] = (
            ("insert", "INSERT", [], trigger.on_insert),
            ("update", "UPDATE", trigger.on_delete, trigger.on_insert),
            ("delete", "DELETE", trigger.on_delete, []),
        )
        for suffix, event, first, then in events:
            if first or then:
                body = "".join(f"{s};\n" for s in (*first, *then))
                op.execute(
                    f"CREATE TRIGGER {name}_{suffix} AFTER {event} ON {trigger.table} "
                    f"FOR EACH ROW BEGIN\n{body}END"
                )


def drop_triggers(triggers: Sequence[Trigger]) -> None:
    dialect = op.get_bind().dialect.name
    for trigger in triggers:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER {trigger.name} ON {trigger.table}")
            op.execute(f"DROP FUNCTION {trigger.name}()")
        else:
            for suffix in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {trigger.name}_{suffix}")
