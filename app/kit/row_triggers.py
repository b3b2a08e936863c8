"""Row triggers written once for both databases, for the migrations that keep stored tables
current on every write path (0014: the timeline and series; 0016: the search index).

A trigger runs, for each row written to its table, `on_delete` with the row's old values
(`OLD`) on an update or a delete, then `on_insert` with its new values (`NEW`) on an insert or
an update: statements in the SQL both databases read. PostgreSQL wraps them in a PL/pgSQL
function; SQLite makes one trigger per event."""

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    on_insert: list[str]
    on_delete: list[str]


def create_triggers(triggers: Sequence[Trigger], skip_unchanged: bool = False) -> None:
    """Makes the triggers; with `skip_unchanged`, an update that leaves the row as it was
    (an upsert of the same values) runs none of its statements."""
    bind = op.get_bind()
    dialect = bind.dialect.name
    for trigger in triggers:
        name = trigger.name
        if dialect == "postgresql":
            unchanged = (
                ["IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN RETURN NULL; END IF;"]
                if skip_unchanged
                else []
            )
            body = "\n".join(
                [
                    "BEGIN",
                    *unchanged,
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
        changed = ""
        if skip_unchanged:
            columns = [column["name"] for column in sa.inspect(bind).get_columns(trigger.table)]
            changed = "WHEN " + " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in columns)
        for suffix, event, first, then in events:
            if first or then:
                body = "".join(f"{s};\n" for s in (*first, *then))
                when = changed if event == "UPDATE" else ""
                op.execute(
                    f"CREATE TRIGGER {name}_{suffix} AFTER {event} ON {trigger.table} "
                    f"FOR EACH ROW {when} BEGIN\n{body}END"
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
