"""Join keys inferred from column names where no foreign key is declared.

`orders.customer_id` -> `customers.customer_id` (or `customers.id`); a prefix names the role
(`from_subscription_id` -> `subscriptions`); singular and plural table names both match; failing
those, the one other table whose single-column primary key has the column's name (`person_id` ->
`people`). Inferred joins are marked so (the agent treats them as likely, not certain).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from db.knowledge.catalog import Relation


@dataclass(frozen=True)
class InferredJoin:
    column: str
    references: str  # display name of the table
    ref_column: str


def infer_joins(relation: Relation, relations: Sequence[Relation]) -> tuple[InferredJoin, ...]:
    """Joins for `relation`'s `*_id` columns that no declared foreign key covers."""
    declared = {c for fk in relation.foreign_keys for c in fk.columns}
    index, keys = _by_name(relations), _by_key(relations)
    found = []
    for column in relation.columns:
        if column.name in declared or relation.primary_key == (column.name,):
            continue  # declared already, or the table's own key
        join = _match(column.name, relation, index) or _same_key(column.name, relation, keys)
        if join is not None:
            found.append(join)
    return tuple(found)


def _by_key(relations: Sequence[Relation]) -> dict[str, list[Relation]]:
    keys: dict[str, list[Relation]] = {}
    for relation in relations:
        if len(relation.primary_key) == 1:
            keys.setdefault(relation.primary_key[0], []).append(relation)
    return keys


def _same_key(column: str, owner: Relation, keys: dict[str, list[Relation]]) -> InferredJoin | None:
    others = [r for r in keys.get(column, []) if r.oid != owner.oid]
    if len(others) != 1 or not column.lower().endswith("id"):
        return None  # none, or ambiguous: better no join than a wrong one
    return InferredJoin(column, others[0].display_name, column)


def _by_name(relations: Sequence[Relation]) -> dict[str, list[Relation]]:
    index: dict[str, list[Relation]] = {}
    for relation in relations:
        index.setdefault(relation.name.lower(), []).append(relation)
    return index


def _match(column: str, owner: Relation, index: dict[str, list[Relation]]) -> InferredJoin | None:
    lowered = column.lower()
    if not lowered.endswith("_id") or lowered == "_id":
        return None
    words = lowered[: -len("_id")].split("_")
    for start in range(len(words)):  # longest name first: line_item_id -> line_items before items
        entity = "_".join(words[start:])
        for target in _tables_named(entity, index):
            if target.oid != owner.oid:
                ref = _ref_column(target, f"{entity}_id")
                if ref is not None:
                    return InferredJoin(column, target.display_name, ref)
    return None


def _tables_named(entity: str, index: dict[str, list[Relation]]) -> list[Relation]:
    names = dict.fromkeys([entity, *plurals(entity)])
    return [r for name in names for r in index.get(name, [])]


def plurals(word: str) -> list[str]:
    """Table names an entity may go by: customer -> customers; category -> categories; box -> boxes."""
    forms = [word + "s", word + "es"]
    if word.endswith("y") and len(word) > 1:
        forms.append(word[:-1] + "ies")
    return forms


def _ref_column(target: Relation, key: str) -> str | None:
    names = {c.name.lower(): c.name for c in target.columns}
    for wanted in (key, "id"):
        if wanted in names and (not target.primary_key or names[wanted] in target.primary_key):
            return names[wanted]
    if key in names:
        return names[key]
    return None
