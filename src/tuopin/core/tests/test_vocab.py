"""One table of spellings per vocabulary (tuopin.core.vocab), read by every import: codes, labels in both
languages, registered aliases, full- and half-width brackets alike."""

from __future__ import annotations

import pytest
from django.db import models

from tuopin.core.vocab import choice_value, vocabulary_aliases
from tuopin.registry.vocab import Health, Labour, Relation, SchoolStatus, Status
from tuopin.supervision.models import Category


@pytest.mark.parametrize(
    ("vocabulary", "spelling", "value"),
    [
        (Status, "已脱贫（享受政策）", Status.EXITED_POLICY),
        (Status, "已脱贫(不再享受政策)", Status.EXITED),
        (Status, "4", Status.EXITED),
        (Status, "脱贫", None),
        (Health, "慢性病", Health.CHRONIC),
        (Labour, "半劳动力", Labour.WEAK),
        (Relation, "本人", Relation.HEAD),
        (SchoolStatus, "辍学", SchoolStatus.DROPOUT),
        (Category, " 满意度不高 ", Category.SATISFACTION),
        (Category, "扶贫资金闲置", Category.IDLE_FUNDS),
        (Category, "idle_funds", Category.IDLE_FUNDS),
        (Category, "扶贫资金挪用", None),
    ],
)
def test_each_spelling_names_its_value(
    vocabulary: type[models.Choices], spelling: str, value: object
) -> None:
    assert choice_value(vocabulary, spelling) == value


def test_an_alias_for_a_value_the_vocabulary_lacks_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="aliases for values it does not have"):
        vocabulary_aliases(Category, {"资金挪用": "misuse"})
